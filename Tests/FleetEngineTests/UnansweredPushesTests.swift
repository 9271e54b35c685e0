import Testing

@testable import FleetEngine

@Suite("Unanswered pushes of a session")
struct UnansweredPushesTests {
    @Test("one inline, more in the dictionary; each taken out once, by PushID and TaskID")
    func insertAndRemove() throws {
        var pushes = UnansweredPushes()
        #expect(pushes.remove(pushID: 1, taskID: 1) == nil)
        pushes.insert(pushID: 1, taskID: 1, receivedAt: 10, trigger: nil)
        pushes.insert(pushID: 1, taskID: 2, receivedAt: 20, trigger: nil)
        pushes.insert(pushID: 2, taskID: 1, receivedAt: 30, trigger: nil)
        #expect(pushes.remove(pushID: 1, taskID: 2)?.receivedAt == 20)
        #expect(pushes.remove(pushID: 1, taskID: 2) == nil)
        #expect(pushes.remove(pushID: 1, taskID: 1)?.receivedAt == 10)
        #expect(pushes.remove(pushID: 2, taskID: 1)?.receivedAt == 30)
        #expect(pushes.remove(pushID: 2, taskID: 1) == nil)
    }

    @Test("a repeated push replaces the earlier one, wherever that one is kept")
    func repeatedPush() throws {
        var pushes = UnansweredPushes()
        pushes.insert(pushID: 1, taskID: 1, receivedAt: 10, trigger: nil)
        pushes.insert(pushID: 2, taskID: 2, receivedAt: 20, trigger: nil)
        pushes.insert(pushID: 1, taskID: 1, receivedAt: 11, trigger: nil)
        #expect(pushes.remove(pushID: 1, taskID: 1)?.receivedAt == 11)
        // The inline slot is free now; the same push again must not leave a stale copy behind.
        pushes.insert(pushID: 2, taskID: 2, receivedAt: 21, trigger: nil)
        #expect(pushes.remove(pushID: 2, taskID: 2)?.receivedAt == 21)
        #expect(pushes.remove(pushID: 2, taskID: 2) == nil)
    }

    @Test("removeAll forgets every push")
    func removeAll() {
        var pushes = UnansweredPushes()
        pushes.insert(pushID: 1, taskID: 1, receivedAt: 10, trigger: nil)
        pushes.insert(pushID: 2, taskID: 2, receivedAt: 20, trigger: nil)
        pushes.removeAll()
        #expect(pushes.remove(pushID: 1, taskID: 1) == nil)
        #expect(pushes.remove(pushID: 2, taskID: 2) == nil)
    }
}
