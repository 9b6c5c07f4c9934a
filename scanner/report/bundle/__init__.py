"""The evidence bundle: report, raw exchanges (credentials redacted), SHA-256 manifest, optional Ed25519 signature."""
