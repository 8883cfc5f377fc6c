// Run, Edit and Reset under each Python block (the buttons are in the HTML, written by
// scripts/run_in_browser.py). overrides/main.html imports this module on the first click of
// one of them; nothing of Python is requested before that.
//
// A page is one program, as the tests run it: Run on block N runs blocks 1 to N in a fresh
// namespace and shows each block's output under that block.

const workerUrl = new URL("run-worker.js", import.meta.url);
const pending = new Map();
let port = null;
let nextId = 1;

let running = false;
let worker = null;

function disconnect() {
  if (worker && worker.terminate) worker.terminate(); // a dedicated worker: free its memory
  worker = port = null;
}

function connect() {
  const fail = () => {
    for (const [id, handle] of pending) handle({ id, kind: "failed", text: "Python stopped." });
    disconnect();
  };
  if (typeof SharedWorker === "function") {
    worker = new SharedWorker(workerUrl, { type: "module", name: "python" });
    port = worker.port;
  } else {
    worker = port = new Worker(workerUrl, { type: "module" });
  }
  worker.onerror = fail;
  port.onmessage = ({ data }) => {
    const handle = pending.get(data.id);
    if (handle) handle(data);
  };
}

function bars() {
  return [...document.querySelectorAll("[data-run-block]")];
}

function codeBlock(bar) {
  return bar.previousElementSibling.matches(".run-editor")
    ? bar.previousElementSibling.previousElementSibling
    : bar.previousElementSibling;
}

function editor(bar) {
  const before = bar.previousElementSibling;
  return before.matches(".run-editor") ? before : null;
}

function code(bar) {
  const edited = editor(bar);
  return edited ? edited.value : codeBlock(bar).querySelector("code").textContent;
}

function output(bar) {
  let region = bar.nextElementSibling;
  if (!region || !region.matches(".run-output")) {
    region = document.createElement("div");
    region.className = "run-output";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-label", `Output of code block ${bar.dataset.runBlock}`);
    bar.after(region);
  }
  return region;
}

function show(bar, text, kind) {
  const region = output(bar);
  region.textContent = text;
  region.dataset.kind = kind;
}

const NO_JSPI =
  "\nThis browser cannot let asyncio.run wait inside Python here (it lacks WebAssembly's " +
  "JavaScript Promise Integration); Chromium-based browsers can, or run it on your machine.";

function setRunning(state) {
  running = state;
  // aria-disabled, not disabled: the button that was pressed keeps the keyboard focus.
  for (const button of document.querySelectorAll("[data-run='run']")) {
    button.setAttribute("aria-disabled", String(state));
  }
}

// Run blocks 1..n; resolves with Pyodide's results (one per block that ran).
export function run(n) {
  if (running) return Promise.resolve({ kind: "busy" });
  const all = bars();
  const upTo = all.slice(0, n);
  const target = upTo[upTo.length - 1];
  for (const bar of all) output(bar); // live regions exist before anything is written to them
  for (const bar of all) show(bar, "", ""); // outputs of an earlier run may no longer hold
  setRunning(true);
  if (port === null) connect();
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, (message) => {
      if (message.kind === "status") {
        show(target, message.text, "status");
        return;
      }
      pending.delete(id);
      setRunning(false);
      if (message.kind === "failed") {
        disconnect();
        show(target, `${message.text}\nRun again to start a new Python.`, "error");
      } else {
        show(target, "", "");
        message.results.forEach((result, i) => {
          let text = result.output + (result.error || "");
          if (result.error && /stack switching not supported/.test(result.error)) text += NO_JSPI;
          const kind = result.error ? "error" : "output";
          if (text || upTo[i] === target) {
            show(upTo[i], text || "(this block printed nothing)", kind);
          }
        });
        const last = message.results.length;
        if (last < upTo.length) {
          show(target, `Code block ${last} above raised an error; its traceback is under it.`,
            "error");
        }
      }
      document.dispatchEvent(new CustomEvent("run:done", { detail: { block: n, ...message } }));
      resolve(message);
    });
    port.postMessage({ id, blocks: upTo.map(code) });
  });
}

function edit(bar) {
  if (!editor(bar)) {
    const block = codeBlock(bar);
    const area = document.createElement("textarea");
    area.className = "run-editor";
    area.spellcheck = false;
    area.value = block.querySelector("code").textContent;
    area.rows = Math.min(40, area.value.split("\n").length + 1);
    area.setAttribute("aria-label", `Code of block ${bar.dataset.runBlock}, editable`);
    block.hidden = true;
    block.after(area);
  }
  let resetButton = bar.querySelector("[data-run='reset']");
  if (!resetButton) {
    resetButton = document.createElement("button");
    resetButton.type = "button";
    resetButton.className = "md-button run-button";
    resetButton.dataset.run = "reset";
    resetButton.textContent = "Reset";
    resetButton.setAttribute("aria-label", `Reset code block ${bar.dataset.runBlock} to the code shown`);
    bar.append(resetButton);
  }
  resetButton.hidden = false;
  editor(bar).focus();
}

function reset(bar) {
  const area = editor(bar);
  if (area) {
    codeBlock(bar).hidden = false;
    area.remove();
  }
  show(bar, "", "");
  bar.querySelector("[data-run='reset']").hidden = true;
  bar.querySelector("[data-run='run']").focus();
}

// Called by overrides/main.html for the click that loaded this module, and for every later one.
export function press(button) {
  const bar = button.closest("[data-run-block]");
  const action = button.dataset.run;
  if (action === "run") run(Number(bar.dataset.runBlock));
  else if (action === "edit") edit(bar);
  else if (action === "reset") reset(bar);
}
