/**
 * Vaadin's select marks its value button `role="button"` and, when the field is required (every select bound to a
 * `@NotNull` property by Hilla's form), also `aria-required="true"`, which a button may not have: screen readers
 * ignore it and axe reports it as a critical violation (aria-allowed-attr). The ARIA pattern for a select is the
 * "select-only combobox": the same button as `role="combobox"`, which may be required, with `aria-controls` naming
 * its list while it is open. This gives every select of the dashboard that role; the button keeps its label,
 * `aria-haspopup="listbox"`, `aria-expanded` and its keyboard handling (Enter, Space, arrows, Escape). The open
 * list itself stays unnamed, as Vaadin makes it: naming it after the field would give two elements that label.
 */
type SelectInternals = HTMLElement & {
  focusElement?: HTMLElement;
  _menuElement?: HTMLElement;
  _updateAriaExpanded(opened: boolean, focusElement?: HTMLElement): void;
};

let listIds = 0;

void customElements.whenDefined('vaadin-select').then(() => {
  const proto = customElements.get('vaadin-select')!.prototype as SelectInternals;
  const original = proto._updateAriaExpanded;
  if (typeof original !== 'function') return; // another Vaadin version: leave the select as it is
  // Runs when the value button is created and whenever the select opens or closes.
  proto._updateAriaExpanded = function (this: SelectInternals, opened: boolean, focusElement?: HTMLElement) {
    original.call(this, opened, focusElement);
    if (!focusElement) return;
    focusElement.setAttribute('role', 'combobox');
    const list = this._menuElement;
    if (opened && list) {
      if (!list.id) list.id = `noderr-select-list-${++listIds}`;
      focusElement.setAttribute('aria-controls', list.id);
    } else {
      focusElement.removeAttribute('aria-controls');
    }
  };
});
