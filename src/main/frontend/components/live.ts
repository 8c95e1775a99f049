import { ConnectionState, type ConnectionStateStore } from '@vaadin/common-frontend';
import { ActionOnLostSubscription, type Subscription, UnauthorizedResponseError } from '@vaadin/hilla-frontend';
import client from 'Frontend/connect-client';
import { CurrentUserService, LiveService } from 'Frontend/generated/endpoints';
import type LiveEvent from 'Frontend/generated/network/noderr/controlplane/live/LiveEvent';
import Kind from 'Frontend/generated/network/noderr/controlplane/live/LiveEvent/Kind';
import type LiveTopic from 'Frontend/generated/network/noderr/controlplane/live/LiveTopic';
import { useEffect, useRef, useSyncExternalStore } from 'react';

/**
 * The dashboard's live updates over Hilla push (a WebSocket at /HILLA/push).
 *
 * The server sends small "this changed" events (at most one per second) and heartbeats; screens re-fetch what they
 * show. A channel heals itself: Hilla re-subscribes after the WebSocket reconnects, and when the subscription
 * errors, completes or goes silent for a few heartbeats, the channel subscribes again with exponential backoff.
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

const MAX_BACKOFF_MS = 30_000;
/** Heartbeats missed before the stream counts as lost. */
const MISSED_HEARTBEATS = 2.5;

function vaadinConnectionState(): ConnectionStateStore | undefined {
  return (window as unknown as { Vaadin?: { connectionState?: ConnectionStateStore } }).Vaadin?.connectionState;
}

/**
 * The server ends a user's streams when the user was disabled or deleted (the push WebSocket is not a request the
 * session check sees). After a stream error, one ordinary call tells: if this session has ended, reloading shows the
 * login page instead of a screen that silently stopped updating.
 */
async function checkStillSignedIn() {
  try {
    if (!(await CurrentUserService.getUserInfo())) {
      window.location.reload();
    }
  } catch (e) {
    if (e instanceof UnauthorizedResponseError) {
      window.location.reload();
    }
    // Anything else (the server is restarting, the network is down): the channel retries by itself.
  }
}

/** One self-healing subscription to a live stream. */
export class LiveChannel {
  #state: LiveState = 'connecting';
  #stateListeners = new Set<() => void>();
  #listeners = new Set<(event: LiveEvent) => void>();
  #subscription?: Subscription<LiveEvent>;
  #failures = 0;
  #retryTimer?: number;
  #watchdog?: number;
  #users = 0;
  readonly #open: () => Subscription<LiveEvent>;

  constructor(open: () => Subscription<LiveEvent>) {
    this.#open = open;
  }

  get state(): LiveState {
    return this.#state;
  }

  /** Starts the channel for one more user; the returned function releases it (the last one stops the channel). */
  retain(): () => void {
    this.#users += 1;
    if (this.#users === 1) {
      window.addEventListener('online', this.#online);
      window.addEventListener('offline', this.#offline);
      vaadinConnectionState()?.addStateChangeListener(this.#vaadinStateChanged);
      client.fluxConnection.addEventListener('state-changed', this.#socketStateChanged);
      if (!navigator.onLine) {
        this.#setState('offline');
      }
      this.#subscribe();
    }
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      this.#users -= 1;
      if (this.#users === 0) {
        this.#stop();
      }
    };
  }

  /** Calls the listener with every event; returns the function that removes it. */
  listen(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStateChange(listener: () => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  #subscribe() {
    window.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#drop();
    const subscription = this.#open();
    this.#subscription = subscription;
    subscription
      .onNext((event) => {
        if (subscription !== this.#subscription) {
          return;
        }
        this.#failures = 0;
        this.#armWatchdog(event.heartbeatSeconds);
        this.#setState(navigator.onLine ? 'live' : 'offline');
        this.#listeners.forEach((listener) => listener(event));
      })
      .onError(() => {
        this.#lost(subscription);
        void checkStillSignedIn();
      })
      .onComplete(() => this.#lost(subscription))
      // After the WebSocket reconnects, Hilla subscribes again instead of forgetting the subscription.
      .onSubscriptionLost(() => ActionOnLostSubscription.RESUBSCRIBE)
      .onConnectionStateChange((e) => {
        if (subscription !== this.#subscription) {
          return;
        }
        const state = e.detail.state as string;
        if (state === 'connecting' && this.#state === 'live') {
          this.#setState('reconnecting');
        } else if (state === 'closed') {
          this.#lost(subscription);
        }
      });
  }

  /** The subscription ended or failed: say so and subscribe again after a growing, jittered delay. */
  #lost(subscription: Subscription<LiveEvent>) {
    if (subscription !== this.#subscription) {
      return;
    }
    this.#drop();
    this.#setState(navigator.onLine ? 'reconnecting' : 'offline');
    this.#scheduleRetry();
  }

  #scheduleRetry() {
    if (this.#retryTimer !== undefined || this.#users === 0) {
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.#failures) * (0.5 + Math.random() / 2);
    this.#failures += 1;
    this.#retryTimer = window.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#subscribe();
    }, delay);
  }

  #armWatchdog(heartbeatSeconds: number) {
    window.clearTimeout(this.#watchdog);
    this.#watchdog = window.setTimeout(() => {
      // Silent for several heartbeats: the socket may be dead without anyone noticing.
      const silent = this.#subscription;
      if (silent) {
        this.#lost(silent);
      }
    }, heartbeatSeconds * MISSED_HEARTBEATS * 1000);
  }

  /** Forgets the current subscription (cancelling it on the server) without changing the state. */
  #drop() {
    window.clearTimeout(this.#watchdog);
    const old = this.#subscription;
    this.#subscription = undefined;
    old?.cancel();
  }

  #stop() {
    window.removeEventListener('online', this.#online);
    window.removeEventListener('offline', this.#offline);
    vaadinConnectionState()?.removeStateChangeListener(this.#vaadinStateChanged);
    client.fluxConnection.removeEventListener('state-changed', this.#socketStateChanged);
    window.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#drop();
    this.#failures = 0;
    this.#setState('connecting');
  }

  #online = () => {
    // The network is back: try at once instead of waiting for the backoff.
    this.#failures = 0;
    this.#setState('reconnecting');
    this.#subscribe();
  };

  #offline = () => {
    this.#setState('offline');
  };

  /** The push WebSocket closed: Hilla reconnects it and re-subscribes; until then nothing is live. */
  #socketStateChanged = (e: CustomEvent<{ active: boolean }>) => {
    if (!e.detail.active && this.#state === 'live') {
      this.#setState(navigator.onLine ? 'reconnecting' : 'offline');
    }
  };

  /** Hilla's own view of the server connection (endpoint calls): a recovery is a good moment to re-subscribe. */
  #vaadinStateChanged = (previous: ConnectionState, current: ConnectionState) => {
    if (current === ConnectionState.CONNECTION_LOST && !navigator.onLine) {
      this.#setState('offline');
    } else if (previous === ConnectionState.CONNECTION_LOST && current === ConnectionState.CONNECTED) {
      if (this.#state !== 'live') {
        this.#failures = 0;
        this.#subscribe();
      }
    }
  };

  #setState(state: LiveState) {
    if (state !== this.#state) {
      this.#state = state;
      this.#stateListeners.forEach((listener) => listener());
    }
  }
}

/** The dashboard-wide stream of change events; the layout keeps it open while anyone is logged in. */
export const liveChanges = new LiveChannel(() => LiveService.changes());

/** Keeps the dashboard-wide stream open while the calling component is mounted. */
export function useLiveConnection(): LiveState {
  useEffect(() => liveChanges.retain(), []);
  return useSyncExternalStore(
    (onChange) => liveChanges.onStateChange(onChange),
    () => liveChanges.state,
  );
}

type RefreshOptions = {
  /** At most one reload per this many milliseconds (the last change in a burst is never lost). */
  minIntervalMs?: number;
  /** While the stream is not live, reload this often instead. */
  fallbackMs?: number;
};

/**
 * Calls reload at most every minIntervalMs, always once more after the last request. Reloads never overlap: a request
 * while one is in flight (until its promise settles) is remembered and runs once after it, so a slow answer cannot
 * arrive after, and overwrite, a newer one.
 */
function throttle(reload: () => unknown, minIntervalMs: number) {
  let last = 0;
  let timer: number | undefined;
  let inFlight = false;
  let again = false;
  let cancelled = false;
  function schedule() {
    if (timer !== undefined || cancelled) {
      return;
    }
    timer = window.setTimeout(run, Math.max(0, last + minIntervalMs - Date.now()));
  }
  function run() {
    timer = undefined;
    inFlight = true;
    last = Date.now();
    void Promise.resolve()
      .then(reload)
      .catch(() => undefined) // the screen reports its own errors; the next request tries again
      .finally(() => {
        inFlight = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }
  return {
    request() {
      if (inFlight) {
        again = true;
      } else {
        schedule();
      }
    },
    cancel() {
      cancelled = true;
      window.clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Reloads a screen's data when one of its topics changes, and after every (re)connection, which may have missed
 * changes. Only while the stream is down does it fall back to slow polling.
 */
export function useLiveRefresh(
  reload: () => unknown,
  topics: readonly LiveTopic[],
  { minIntervalMs = 1000, fallbackMs = 30_000 }: RefreshOptions = {},
) {
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const key = [...topics].sort().join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    const throttled = throttle(() => reloadRef.current(), minIntervalMs);
    const stopListening = liveChanges.listen((event) => {
      if (event.kind === Kind.HELLO || event.topics.some((topic) => wanted.has(topic))) {
        throttled.request();
      }
    });
    const poll = window.setInterval(() => {
      if (liveChanges.state !== 'live') {
        throttled.request();
      }
    }, fallbackMs);
    return () => {
      stopListening();
      window.clearInterval(poll);
      throttled.cancel();
    };
  }, [key, minIntervalMs, fallbackMs]);
}

/** Reloads a screen about one node whenever that node reports or changes (its own stream, open while mounted). */
export function useNodeRefresh(nodeId: string, reload: () => unknown, { minIntervalMs = 1000 }: RefreshOptions = {}) {
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => {
    const channel = new LiveChannel(() => LiveService.node(nodeId));
    const throttled = throttle(() => reloadRef.current(), minIntervalMs);
    const stopListening = channel.listen((event) => {
      if (event.kind !== Kind.HEARTBEAT) {
        throttled.request();
      }
    });
    const release = channel.retain();
    return () => {
      stopListening();
      release();
      throttled.cancel();
    };
  }, [nodeId, minIntervalMs]);
}
