// Page-side helpers for browser/test_browser.py, evaluated once per page.
// They go through window.jupyterapp (JupyterLab started with expose_app_in_browser).
window.__lab = {
  errors: [],

  panel(path) {
    const app = window.jupyterapp;
    if (!app || !app.shell) return null;
    for (const w of app.shell.widgets("main")) {
      if (w.context && w.context.path === path && w.content && w.sessionContext) return w;
    }
    return null;
  },

  // "ready" once the notebook is open and its kernel is started and idle.
  kernelStatus(path) {
    const p = this.panel(path);
    if (!p || !p.context.isReady) return "no-panel";
    const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
    return kernel ? kernel.status : "no-kernel";
  },

  // Record every error the kernel publishes, including those of widget callbacks.
  listen(path) {
    const kernel = this.panel(path).sessionContext.session.kernel;
    if (kernel.__labListened) return;
    kernel.__labListened = true;
    kernel.iopubMessage.connect((_, msg) => {
      const type = msg.header.msg_type, c = msg.content;
      if (type === "error") this.errors.push(`${c.ename}: ${c.evalue}`);
      if (type === "stream" && c.name === "stderr" && /Traceback \(most recent call last\)/.test(c.text))
        this.errors.push(c.text.slice(0, 2000));
    });
  },

  async shutdown(path) {
    const p = this.panel(path);
    if (p && p.sessionContext.session) await p.sessionContext.shutdown();
  },

  // Starts Run All and returns at once: the test polls progress() (a stalled cell is
  // then named after BROWSER_CELL_TIMEOUT instead of blocking this call for ever).
  runAll(path) {
    const app = window.jupyterapp, p = this.panel(path);
    app.shell.activateById(p.id);
    app.commands.execute("notebook:run-all-cells")
      .catch((e) => this.errors.push(`Run All: ${e}`));
  },

  // Code cells not yet executed (queued or running), error outputs so far, and the
  // cell running now (its 0-based index among all cells and its first line), or null.
  progress(path) {
    const p = this.panel(path);
    let pending = 0, total = 0, running = null;
    const errors = [];
    p.content.widgets.forEach((cell, i) => {
      const source = cell.model.sharedModel.getSource();
      if (cell.model.type !== "code" || !source.trim()) return;
      total += 1;
      const busy = cell.model.executionState === "running" ||
        /\*/.test(cell.promptNode ? cell.promptNode.textContent : "");
      if (cell.model.executionCount === null || busy) pending += 1;
      if (busy && running === null) {
        const first = source.split("\n").map((l) => l.trim()).find((l) => l) || "";
        running = { index: i, first: first.slice(0, 80) };
      }
      const outputs = cell.model.outputs;
      for (let j = 0; j < outputs.length; j++) {
        const out = outputs.get(j);
        if (out.type === "error") {
          const d = out.toJSON();
          errors.push(`cell ${i}: ${d.ename}: ${d.evalue}`);
        }
      }
    });
    return { status: this.kernelStatus(path), pending, total, errors, running };
  },

  // Text shown in the page that signals a failure (stderr tracebacks, broken widgets).
  domErrors(path) {
    const node = this.panel(path).content.node, found = [];
    node.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach((el) => {
      if (/Traceback|^\w*Error\b/m.test(el.textContent)) found.push(el.textContent.slice(0, 500));
    });
    const text = node.innerText;
    for (const bad of ["Error displaying widget", "Failed to load model class", "Model not found"]) {
      if (text.includes(bad)) found.push(bad);
    }
    return found;
  },

  // Something that changes while outputs are still arriving.
  fingerprint(path) {
    const node = this.panel(path).content.node;
    const imgs = Array.from(node.querySelectorAll("img")).map((i) => i.src.length).join(",");
    return `${node.innerText.length}|${imgs}|${this.kernelStatus(path)}`;
  },

  // The main control: a slider marked .lecturelib-main, else the first slider that
  // can move, else the first drop-down with a choice. Marks it and its cell.
  findControl(path) {
    const node = this.panel(path).content.node;
    const movable = (el) => {
      if (el.tagName === "SELECT") return !el.disabled && el.options.length > 1;
      const h = el.querySelector(".noUi-handle"), t = el.querySelector(".noUi-target");
      if (!h || (t && t.hasAttribute("disabled"))) return false;
      return h.getAttribute("aria-valuemin") !== h.getAttribute("aria-valuemax");
    };
    const all = (sel) => Array.from(node.querySelectorAll(sel)).filter(movable);
    const el = all(".lecturelib-main .widget-slider, .widget-slider.lecturelib-main")[0] ||
      all(".widget-slider")[0] || all(".widget-dropdown select")[0];
    if (!el) return null;
    const cell = el.closest(".jp-Cell");
    node.querySelectorAll("[data-lab-cell]").forEach((c) => c.removeAttribute("data-lab-cell"));
    node.querySelectorAll("[data-lab-control]").forEach((c) => c.removeAttribute("data-lab-control"));
    cell.setAttribute("data-lab-cell", "1");
    el.setAttribute("data-lab-control", "1");
    const kind = el.tagName === "SELECT" ? "dropdown" : "slider";
    const box = el.closest(".widget-dropdown, .widget-slider") || el;
    const label = box.querySelector(".widget-label");
    return { kind, label: label ? label.textContent : "", value: this.controlValue() };
  },

  // A widget that recomputes on a click: mark the Run/Update button of the control's cell.
  findRunButton() {
    const cell = document.querySelector("[data-lab-cell]");
    const buttons = Array.from(cell.querySelectorAll("button.widget-button"))
      .filter((b) => !b.disabled && b.offsetParent !== null &&
        !b.classList.contains("widget-toggle-button"));
    const run = buttons.find((b) => /run|update|compute|start|go|attack|draw/i.test(b.textContent));
    if (!run) return null;
    run.setAttribute("data-lab-run", "1");
    return run.textContent.trim();
  },

  controlValue() {
    const el = document.querySelector("[data-lab-control]");
    if (!el) return null;
    if (el.tagName === "SELECT") return el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : "";
    const readout = el.querySelector(".widget-readout");
    const handle = el.querySelector(".noUi-handle");
    return readout ? readout.textContent : (handle ? handle.getAttribute("aria-valuenow") : "");
  },

  // What the control's cell shows besides the control itself: texts and figures.
  cellState() {
    const cell = document.querySelector("[data-lab-cell]");
    const area = cell.querySelector(".jp-Cell-outputArea") || cell;
    const copy = area.cloneNode(true);
    copy.querySelectorAll(".widget-readout, .widget-slider, .widget-dropdown, .widget-label")
      .forEach((el) => el.remove());
    const images = Array.from(area.querySelectorAll("img")).map((i) => i.src);
    return { text: copy.textContent.replace(/\s+/g, " ").trim(), images };
  },

  // A panel's control by its name in ``widget.controls`` (lecturelib.tooling.sweeps adds the
  // class lecturelib-control-<name>): marks it and its cell like findControl.
  findNamedControl(path, name) {
    const node = this.panel(path).content.node;
    const box = node.querySelector(`.lecturelib-control-${name}`);
    if (!box) return null;
    node.querySelectorAll("[data-lab-cell]").forEach((c) => c.removeAttribute("data-lab-cell"));
    node.querySelectorAll("[data-lab-control]").forEach((c) => c.removeAttribute("data-lab-control"));
    box.closest(".jp-Cell").setAttribute("data-lab-cell", "1");
    box.setAttribute("data-lab-control", "1");
    return { kind: box.tagName === "SELECT" ? "dropdown" : "slider", label: name,
             value: this.controlValue() };
  },

  // The marked cell's panel: its readout (widget.readout), whether the "compute"
  // button shows, and its figures (widget.output).
  panelState() {
    const cell = document.querySelector("[data-lab-cell]");
    const readout = cell.querySelector(".lecturelib-readout");
    const button = cell.querySelector(".lecturelib-compute");
    const output = cell.querySelector(".lecturelib-output");
    return {
      readout: readout ? readout.textContent.replace(/\s+/g, " ").trim() : null,
      button: !!(button && button.offsetParent !== null),
      images: output ? Array.from(output.querySelectorAll("img")).map((i) => i.src) : [],
    };
  },
};
