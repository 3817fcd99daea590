"""Functions for `seed001_product_selection.json` (seed 001's product selection example).

Load them with the workflow, e.g. `ren run examples/seed001_product_selection.json
--functions examples/seed001_functions.py`. Each takes the node's input as `state` and returns
a small dict derived from it; nothing touches the network or the disk. The run input
`{"count": 50}` scrapes 50 products, so `check_count` (>= 100) takes the `false` branch.
"""

from __future__ import annotations

from typing import Any

from app import register_function


@register_function("data.scrape_products")
def scrape_products(state: dict[str, Any], limit: int = 1000, **kw: Any) -> dict[str, Any]:
    """Pretend to scrape products: `min(limit, state["count"])` of them."""
    count = max(0, min(limit, int(state.get("count", limit))))
    products = [
        {
            "id": f"p{i:05d}",
            "title": f"Product {i}",
            "price": round(5 + (i * 37 % 200) / 4, 2),
            "image": f"https://example.com/img/p{i:05d}.jpg",
        }
        for i in range(1, count + 1)
    ]
    return {"products": products, "product_count": len(products)}


@register_function("image.process_batch")
def process_batch(state: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """'Process' each product's image: a thumbnail path and a fake 8-bit fingerprint."""
    products = state.get("products", [])
    images = [
        {
            "id": p["id"],
            "thumbnail": f"thumbs/{p['id']}.jpg",
            "fingerprint": sum(map(ord, p["id"])) % 256,
        }
        for p in products
    ]
    return {"products": products, "images": images, "processed": len(images)}


@register_function("image.calculate_similarity")
def calculate_similarity(state: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Similarity of each image to the first one, from the fingerprints (1.0 = identical)."""
    images = state.get("images", [])
    first = images[0]["fingerprint"] if images else 0
    scores = [
        {"id": img["id"], "score": round(1 - abs(img["fingerprint"] - first) / 255, 3)}
        for img in images
    ]
    return {"products": state.get("products", []), "similarity_scores": scores}


@register_function("data.export_excel")
def export_excel(state: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """The rows an Excel export would hold; writes nothing to disk."""
    scores = {s["id"]: s["score"] for s in state.get("similarity_scores", [])}
    rows = [
        {"id": p["id"], "title": p["title"], "price": p["price"], "similarity": scores.get(p["id"])}
        for p in state.get("products", [])
    ]
    return {"exported": len(rows), "rows": rows}
