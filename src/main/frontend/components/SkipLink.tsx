import './SkipLink.css';

/**
 * "Skip to content": the first stop of the Tab key on every screen, shown only while focused. Enter moves focus to the
 * screen's content, past the navbar and the menu's links; the next Tab reaches the screen's first control.
 */
export function SkipLink() {
  return (
    <a
      slot="navbar"
      className="skip-link"
      href="#"
      onClick={(e) => {
        e.preventDefault();
        const main = document.querySelector<HTMLElement>('vaadin-app-layout main');
        if (!main) return;
        if (!main.hasAttribute('tabindex')) main.tabIndex = -1;
        main.focus();
      }}
    >
      Skip to content
    </a>
  );
}
