/// `Zlib` is part of this module's API (``CCMMessagingError/zlib(_:)``), so its module comes with it.
@_exported import ZlibSupport
