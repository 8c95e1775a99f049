/**
 * Copies text to the clipboard; false when the browser does not allow it: the clipboard API exists only on HTTPS and
 * localhost origins (a dashboard on plain http at another address has none), and a permission can be denied.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) {
      return false;
    }
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** What a dialog says when {@link copyText} failed: the text stays in its field to be copied by hand. */
export function CopyRefused() {
  return (
    <p className="m-0" style={{ color: 'var(--lumo-error-text-color)' }} role="alert" data-testid="copy-refused">
      This browser did not allow copying (the dashboard is not on HTTPS or localhost, or the clipboard permission is
      denied): select the text in the field and copy it by hand.
    </p>
  );
}
