"""Real peers for tests (HTTP servers on 127.0.0.1, an S3-compatible server), never mocks."""
