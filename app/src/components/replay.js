// Keeps what a person does while the page's wasm is still loading, and hands it to the
// page once it is interactive: clicks on buttons and checkboxes (and Enter in a form the
// wasm submits) are held back and replayed in order, and text typed or options chosen are
// restored after hydration (which resets fields to the page's state) with the events the
// page listens to. Links and forms with an `action` work natively and are left alone.
(() => {
  const held = [];
  let live = false;
  const needsWasm = (el) => {
    if (el.matches("a[href], summary, label")) return false;
    const form = el.form || el.closest("form");
    return !(el.type === "submit" && form && form.hasAttribute("action"));
  };
  document.addEventListener(
    "click",
    (ev) => {
      if (live || !(ev.target instanceof Element)) return;
      const el = ev.target.closest("a[href], summary, label, button, input[type=checkbox], input[type=radio]");
      if (el && needsWasm(el)) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        held.push(() => el.isConnected && el.click());
      }
    },
    true,
  );
  document.addEventListener(
    "submit",
    (ev) => {
      const form = ev.target;
      if (live || !(form instanceof HTMLFormElement) || form.hasAttribute("action")) return;
      ev.preventDefault();
      ev.stopImmediatePropagation();
      held.push(() => form.isConnected && form.requestSubmit());
    },
    true,
  );
  const fields = () => document.querySelectorAll("input:not([type=checkbox]):not([type=radio]):not([type=hidden]), textarea, select");
  const changed = (el) =>
    el instanceof HTMLSelectElement
      ? [...el.options].some((o) => o.selected !== o.defaultSelected)
      : el.value !== el.defaultValue;
  let typed = [];
  window.meshgateReplay = {
    /** Before hydration: what the person typed or chose so far. */
    before() {
      typed = [...fields()].filter(changed).map((el) => [el, el.value]);
    },
    /** After hydration: put it back, tell the page, then replay the held clicks. */
    after() {
      live = true;
      for (const [el, value] of typed) {
        if (!el.isConnected) continue;
        el.value = value;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
      }
      typed = [];
      held.splice(0).forEach((replay) => replay());
      document.documentElement.setAttribute("data-hydrated", "true");
    },
  };
})();
