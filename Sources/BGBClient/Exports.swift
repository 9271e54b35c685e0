// The TLS options and handlers are part of the client API.
@_exported import BGBTLS
