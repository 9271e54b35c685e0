/// The pushes a session has received and not answered yet, by (PushID, TaskID), with when each
/// arrived and the trigger it belongs to: the start of its `response` and `e2e` samples.
///
/// A session rarely has more than one push outstanding (with zero handling time the Response goes
/// out before the next read), so the first lives inline and only the rest go to a dictionary: no
/// hashing and no allocation on the common path, and nothing allocated for an idle session.
struct UnansweredPushes {
    struct Key: Hashable {
        var pushID: Int32
        var taskID: Int32
    }

    struct Entry {
        var key: Key
        var receivedAt: UInt64
        var trigger: TriggerRecord?
    }

    private var first: Entry?
    private var more: [Key: Entry] = [:]

    /// Records a push; a second push with the same PushID and TaskID replaces the first.
    mutating func insert(pushID: Int32, taskID: Int32, receivedAt: UInt64, trigger: TriggerRecord?) {
        let entry = Entry(key: Key(pushID: pushID, taskID: taskID), receivedAt: receivedAt, trigger: trigger)
        if first == nil || first?.key == entry.key {
            if !more.isEmpty { more[entry.key] = nil }
            first = entry
        } else {
            more[entry.key] = entry
        }
    }

    /// Takes out the push a Response answers, or nil if it is not outstanding.
    mutating func remove(pushID: Int32, taskID: Int32) -> (receivedAt: UInt64, trigger: TriggerRecord?)? {
        let key = Key(pushID: pushID, taskID: taskID)
        if let entry = first, entry.key == key {
            first = nil
            return (entry.receivedAt, entry.trigger)
        }
        guard !more.isEmpty, let entry = more.removeValue(forKey: key) else { return nil }
        return (entry.receivedAt, entry.trigger)
    }

    /// Forgets every outstanding push (the session closed).
    mutating func removeAll() {
        first = nil
        if !more.isEmpty { more = [:] }
    }
}
