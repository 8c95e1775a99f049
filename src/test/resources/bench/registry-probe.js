// Installed by RegistryBenchmark in every document before the application's own scripts. Measures, inside the
// page, the time from the user's last input (or from navigation start) to the animation frame in which the
// registry grid shows the rows the benchmark expects: the first row's node id and the node count.
(() => {
  const FIND = '/NodeRegistryService/find';
  const probe = { armed: null };

  // Registry requests, to split the time into "before the request", "server round trip" and "after the response".
  const originalFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes(FIND) || !probe.armed) {
      return originalFetch(input, init);
    }
    const request = { start: performance.now(), end: undefined };
    probe.armed.requests.push(request);
    return originalFetch(input, init).finally(() => {
      request.end = performance.now();
    });
  };

  // The user's input: the last trusted click or key. Registry requests made before it (e.g. a search for the
  // first letters while the user still types) do not count: the action ends with a request made after it.
  for (const type of ['click', 'keydown', 'input']) {
    window.addEventListener(
      type,
      (e) => {
        const armed = probe.armed;
        if (e.isTrusted && armed && !armed.fixedStart && !armed.finished) {
          armed.start = e.timeStamp;
          armed.requests = [];
        }
      },
      true,
    );
  }

  const grid = () => document.querySelector('vaadin-grid');
  const firstRowNodeId = () => {
    const g = grid();
    const row = g?.shadowRoot?.querySelector('#items tr[first]');
    if (!row || row.hasAttribute('loading')) {
      return undefined;
    }
    return row.querySelector('td slot')?.assignedElements()[0]?.textContent?.trim();
  };
  const shownTotal = () => {
    const digits = (document.querySelector('[data-testid=node-count]')?.textContent ?? '').replace(/\D/g, '');
    return digits === '' ? undefined : Number(digits);
  };

  // Checked once per animation frame: the frame in which the condition first holds is the one that paints it.
  const onFrame = () => {
    const armed = probe.armed;
    if (armed && !armed.finished && armed.requests.length > 0 && !grid()?.hasAttribute('loading')) {
      if ((firstRowNodeId() ?? null) === (armed.expect.firstId ?? null) && shownTotal() === armed.expect.total) {
        const end = performance.now();
        const first = armed.requests[0];
        const last = armed.requests[armed.requests.length - 1];
        armed.finished = true;
        armed.resolve({
          totalMs: end - armed.start,
          beforeRequestMs: first.start - armed.start,
          requestMs: (last.end ?? end) - first.start,
          afterResponseMs: end - (last.end ?? end),
          requests: armed.requests.length,
        });
      }
    }
    requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);

  const arm = (expect, start) => {
    let resolve;
    let reject;
    const done = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    probe.armed = { expect, start: start ?? performance.now(), fixedStart: start !== undefined, requests: [],
      resolve, finished: false, done };
    probe.armed.timer = setTimeout(() => {
      reject(new Error(`grid did not show ${JSON.stringify(expect)} within ${expect.timeoutMs} ms: first row `
        + `${firstRowNodeId()}, count ${shownTotal()}, ${probe.armed.requests.length} registry requests, grid `
        + `loading ${grid()?.hasAttribute('loading')}`));
    }, expect.timeoutMs);
  };

  window.__registryProbe = {
    arm: (expect) => arm(expect),
    result: () => probe.armed.done.finally(() => clearTimeout(probe.armed.timer)),
  };

  // A full page load of the registry is measured from navigation start (the document's time origin).
  const onLoad = window.__registryProbeOnLoad;
  if (onLoad && location.pathname === '/nodes') {
    arm(onLoad, 0);
  }
})();
