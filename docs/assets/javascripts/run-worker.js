// Python for the Run buttons: Pyodide in a Web Worker, started on the first Run and shared by
// the site's open tabs (a SharedWorker where the browser has them, else one worker per page).
// Everything comes from this site: Pyodide's files and the wheels under pyodide/, the examples
// from examples/snippets.zip. See scripts/run_in_browser.py.
import { loadPyodide } from "../../pyodide/pyodide.mjs";

const site = new URL("../../", import.meta.url);
const at = (path) => new URL(path, site).href;

async function fetchBytes(path) {
  const response = await fetch(at(path));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function start() {
  const pyodide = await loadPyodide({ indexURL: at("pyodide/") });
  // A fatal error (a stack overflow in the browser, say) leaves this Pyodide unusable and its
  // run unfinished: tell the page that is waiting, and let the next Run start anew.
  // `_api.on_fatal` is Pyodide's internal hook, not public API: it holds for the pinned
  // version, and the browser tests (memoization's marked block) check it still does.
  pyodide._api.on_fatal = (error) => finish({ kind: "failed", text: `Python stopped: ${error}` });
  const wheels = await (await fetch(at("pyodide/wheels.json"))).json();
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  for (const name of wheels) {
    pyodide.unpackArchive(await fetchBytes(`pyodide/wheels/${name}`), "wheel", {
      extractDir: sitePackages,
    });
  }
  // The examples unpack as in the zip a reader downloads; the program runs where a reader
  // unzipped it, so `python -m snippets` paths and data files are where the pages say.
  pyodide.unpackArchive(await fetchBytes("examples/snippets.zip"), "zip", {
    extractDir: "/home/pyodide/examples",
  });
  pyodide.FS.chdir("/home/pyodide/examples");
  pyodide.FS.writeFile(
    "/home/pyodide/browser_runner.py",
    new Uint8Array(await fetchBytes("pyodide/browser_runner.py")),
  );
  pyodide.runPython(
    "import sys; sys.path[:0] = ['/home/pyodide/examples', '/home/pyodide']\n" +
    "from browser_runner import run_blocks",
  );
  return pyodide;
}

let python = null; // one Pyodide for every page this worker serves
let queue = Promise.resolve(); // runs one after the other: Python has one thread here
let current = null; // the run in progress: its port, its id, and what lets the next start

function finish(message) {
  if (current === null) return;
  const { port, id, resolve } = current;
  current = null;
  port.postMessage({ id, ...message });
  resolve(); // the next run in the queue may start
  if (message.kind === "failed") {
    python = null;
    if ("onconnect" in self) self.close(); // a new SharedWorker starts on the next Run
  }
}

function serve(port) {
  port.onmessage = ({ data }) => {
    queue = queue.then(() => new Promise((resolve) => {
      current = { port, id: data.id, resolve };
      run(data).then(resolve, resolve);
    }));
  };
}

function status(text) {
  if (current !== null) current.port.postMessage({ id: current.id, kind: "status", text });
}

async function run({ blocks }) {
  try {
    if (python === null) {
      status("Starting Python…");
      python = start();
    }
    const pyodide = await python;
    status("Running…");
    const scope = pyodide.runPython("dict(run_blocks=run_blocks)");
    try {
      scope.set("blocks", blocks);
      const results = await pyodide.runPythonAsync("await run_blocks(blocks.to_py())", {
        globals: scope,
      });
      const plain = results.toJs({ dict_converter: Object.fromEntries });
      results.destroy();
      finish({ kind: "done", results: plain });
    } finally {
      scope.destroy();
    }
  } catch (error) {
    // Pyodide's own failure: it could not start, or it stopped for good.
    finish({ kind: "failed", text: `Python stopped: ${error && error.message || error}` });
  }
}

if ("onconnect" in self) {
  self.onconnect = (event) => serve(event.ports[0]);
} else {
  serve(self);
}
