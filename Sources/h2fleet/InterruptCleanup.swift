import Engine
import Foundation
import Merging

/// Removes a run's temporary spill folder when the run is interrupted (SIGINT, SIGTERM, SIGHUP),
/// then lets the signal end the process as it would have.
///
/// The signals are blocked in every thread (threads started later inherit the mask) and taken by
/// one waiting thread with `sigwait`, where removing files is safe, unlike in a signal handler.
/// A signal the parent set to be ignored (a shell's background job) stays ignored.
enum InterruptCleanup {
    /// Starts listening; call once, before any other thread is started.
    static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGHUP] {
            var current = sigaction()
            sigaction(number, nil, &current)
            let ignored = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == Int(bitPattern: 1)
            if !ignored { sigaddset(&set, number) }  // SIG_IGN is handler 1
        }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let waiting = set
        Thread.detachNewThread {
            var mask = waiting
            var number: Int32 = 0
            guard sigwait(&mask, &number) == 0 else { return }
            SpillCleanup.removeAll()
            signal(number, SIG_DFL)
            var only = sigset_t()
            sigemptyset(&only)
            sigaddset(&only, number)
            pthread_sigmask(SIG_UNBLOCK, &only, nil)
            raise(number)
        }
    }
}
