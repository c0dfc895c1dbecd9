"""A module's events as a committed contract: modules/<m>/events.json, an AsyncAPI 3.0 document.

`asyncapi` renders the document from the Event subclasses in `<m>.backend.public.events`,
`compatibility` sorts the differences from the snapshot into breaking and additive, and `snapshot`
checks and writes the file (`make test` checks it, `make contract-accept M=<m>` rewrites it).
"""
