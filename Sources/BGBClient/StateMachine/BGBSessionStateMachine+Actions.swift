extension BGBSessionStateMachine {
    /// The actions one event asks for, in order.
    ///
    /// A single action is stored inline: the two events of every push (the Request arriving, the
    /// Response going out) return one action each and allocate nothing. More go to an array. Build
    /// a single action with `Actions(action)` on hot paths (an array literal makes an array first).
    public struct Actions: RandomAccessCollection, ExpressibleByArrayLiteral, Hashable, Sendable {
        private enum Storage: Hashable, Sendable {
            case none
            case one(Action)
            case many([Action])
        }

        private let storage: Storage

        /// No action.
        public init() {
            storage = .none
        }

        /// One action, stored inline.
        public init(_ action: Action) {
            storage = .one(action)
        }

        /// Any number of actions.
        public init(_ actions: [Action]) {
            switch actions.count {
            case 0: storage = .none
            case 1: storage = .one(actions[0])
            default: storage = .many(actions)
            }
        }

        public init(arrayLiteral actions: Action...) {
            self.init(actions)
        }

        public var startIndex: Int { 0 }

        public var endIndex: Int {
            switch storage {
            case .none: 0
            case .one: 1
            case .many(let actions): actions.count
            }
        }

        public subscript(position: Int) -> Action {
            switch storage {
            case .one(let action):
                precondition(position == 0, "action index \(position) out of range")
                return action
            case .many(let actions):
                return actions[position]
            case .none:
                preconditionFailure("action index \(position) out of range")
            }
        }

        /// The actions of `lhs`, then those of `rhs`.
        public static func + (lhs: Actions, rhs: Actions) -> Actions {
            Actions(Array(lhs) + Array(rhs))
        }
    }
}
