-- What the document pipeline found in each uploaded document: the checks of its bytes (real type from
-- its magic bytes, size, a PDF's pages), the text OCR read, the engine's confidence as quality, the
-- language, the provider and the time it took. One row per document, for its latest upload (object
-- generation); agents see it with the declaration. The text is personal data: it goes with its
-- document (ON DELETE CASCADE) and follows the document's retention.

-- migrate:up
CREATE TABLE document_processing (
  document_id uuid PRIMARY KEY REFERENCES declaration_documents (id) ON DELETE CASCADE,
  object_generation numeric(20, 0) NOT NULL CHECK (object_generation >= 0),
  outcome text NOT NULL CHECK (outcome IN ('read', 'flagged')),
  flags text[] NOT NULL DEFAULT '{}',
  detected_type text,
  page_count integer CHECK (page_count >= 0),
  provider text CHECK (provider IN ('vision', 'tesseract')),
  extracted_text text CHECK (length(extracted_text) <= 100000),
  quality numeric(4, 3) CHECK (quality BETWEEN 0 AND 1),
  language text,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  hints jsonb NOT NULL DEFAULT '{}',
  detail text,
  processed_at timestamptz NOT NULL,
  CHECK (outcome = 'flagged' OR flags = '{}')
);

-- migrate:down
DROP TABLE document_processing;
