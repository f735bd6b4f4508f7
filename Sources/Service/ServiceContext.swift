import HTTPTypes
import Hummingbird
import Ledger
import NIOCore
import Synchronization

/// What a request carries through the service: who sent it (set by `Authentication`), how, and
/// what the access log should say of it.
struct ServiceContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection, closed after refusing a body too large to read (SPEC 11.2).
    let channel: any Channel
    /// Who sent the request, once proved.
    var identity: Identity?
    /// The key forms and page scripts must send back, when proved with a session cookie: a
    /// request that changes something through a session without it is refused (cross-site).
    var formKey: String?
    /// What the access log line says of the request besides its status.
    let note = RequestNote()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Who sent a request, and the archive and size it dealt with, for its access-log line.
final class RequestNote: Sendable {
    private let state = Mutex<(who: String?, archive: String?, bytes: Int)>((nil, nil, 0))

    func record(archive: String?, bytes: Int) {
        state.withLock {
            $0.archive = archive
            $0.bytes = bytes
        }
    }

    func record(_ identity: Identity?) {
        state.withLock { $0.who = identity.map { $0.operatorId ?? "(regulator)" } }
    }

    var who: String? { state.withLock { $0.who } }
    var archive: String? { state.withLock { $0.archive } }
    var bytes: Int { state.withLock { $0.bytes } }
}
