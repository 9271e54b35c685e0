/// One element of a small XML document as read by ``XMLReader``.
public struct XMLElement: Hashable, Sendable {
    /// One attribute in document order.
    public struct Attribute: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var name: String
    public var attributes: [Attribute]
    public var children: [XMLElement]
    /// Character data directly inside the element, entities decoded.
    public var text: String

    public init(name: String, attributes: [Attribute] = [], children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The value of the first attribute with this (case-sensitive) name.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The first child element with this (case-sensitive) name.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }
}
