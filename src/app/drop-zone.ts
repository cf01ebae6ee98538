// One behaviour for every file drop zone of the playground (first photo, last frame, video to continue): choose with
// the file input, Enter/Space on the focused zone opens it, drag-and-drop prefers a file of the accepted kind.

/** Wires `zone` (focusable) and its file `input`; `accept` is a MIME pattern like 'image/*'. */
export function wireDropZone(zone: HTMLElement, input: HTMLInputElement, accept: string, onFile: (f: File) => void, onWrongDrop: () => void): void {
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) onFile(f);
    input.value = ''; // picking the same file again still fires 'change'
  });
  zone.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target === zone) {
      e.preventDefault();
      input.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    const f = files.find((x) => x.type.startsWith(accept.replace('/*', '/'))) ?? files[0];
    if (f) onFile(f);
    else onWrongDrop();
  });
}
