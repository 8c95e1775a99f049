package network.noderr.agent.update;

import java.nio.file.Path;

/** For tests outside this package: holds the update lock as another updating process would. */
public final class UpdateLockAccess {

    private UpdateLockAccess() {}

    /** The update lock of the node's state directory, held until closed. */
    public static AutoCloseable hold(Path stateDir, String container) {
        var mutex = new StateStore(stateDir, container).tryLock();
        if (mutex == null) {
            throw new IllegalStateException("the update lock is held already");
        }
        return mutex;
    }
}
