"""Cloud patterns: real HTTP services on 127.0.0.1 that fail, slow down and recover."""
