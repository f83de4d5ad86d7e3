import { provideVSCodeDesignSystem, vsCodeButton, vsCodeTextField } from '@vscode/webview-ui-toolkit';

/**
 * The only module that knows which component library draws the controls. The toolkit is
 * deprecated upstream; replacing it touches this file alone.
 */
provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeTextField());

export function button(label: string, title: string, onClick: () => void, appearance: 'primary' | 'secondary' | 'icon' = 'secondary'): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.setAttribute('title', title);
  b.setAttribute('aria-label', title);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

export function textField(placeholder: string, onInput: (value: string) => void): HTMLElement {
  const f = document.createElement('vscode-text-field');
  f.setAttribute('placeholder', placeholder);
  f.setAttribute('aria-label', placeholder);
  f.addEventListener('input', () => onInput((f as HTMLInputElement).value ?? ''));
  return f;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
}
