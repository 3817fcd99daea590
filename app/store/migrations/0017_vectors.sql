-- Ren schema version 18: the vector store of the AI retrieval nodes (app.nodes.ai_retrieval_store).
-- One row per chunk of a document: its text, metadata and embedding (unit-length float32, little
-- endian). A vector_store step's rows commit in the transaction that records the step; a
-- document written again replaces its chunks.
CREATE TABLE vector_chunks (
    store VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    chunk INTEGER NOT NULL,
    text TEXT NOT NULL,
    metadata JSON,
    embedding BLOB NOT NULL,
    dims INTEGER NOT NULL,
    created_at FLOAT NOT NULL,
    PRIMARY KEY (store, doc_id, chunk)
);
