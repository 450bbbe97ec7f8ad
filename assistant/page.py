"""What runs in the browser: the chat's CSS and its small scripts (no file is served for them).

``PAGE_SCRIPT`` is passed to ``launch(js=...)``: it copies the text beside a copy button (the
Chatbot's sanitiser strips inline handlers and data attributes, so one page-level listener reads
the hidden span the reply carries) and saves an exported conversation through a ``blob:`` URL.
"""

from __future__ import annotations

# Runs once in the page: the copy buttons inside chat messages (the Chatbot strips inline
# handlers, so one listener serves them all) and saving an exported conversation from memory.
PAGE_SCRIPT = """
() => {
  const copyText = async (text) => {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return; }
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
  };
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button.copy-citation, button.copy-answer');
    const hidden = button && button.parentElement.querySelector('.copy-text');
    if (!hidden) return;
    event.preventDefault();
    // The hidden span holds the text escaped, its line breaks as <br>.
    const text = Array.from(hidden.childNodes).map((node) => node.nodeName === 'BR' ? '\\n' : node.textContent).join('');
    await copyText(text);
    button.classList.add('copied');
    setTimeout(() => button.classList.remove('copied'), 1500);
  });
  window.pressAssistantSave = (payload) => {
    if (!payload) return;
    const file = JSON.parse(payload);
    const url = URL.createObjectURL(new Blob([file.content], {type: file.mime + ';charset=utf-8'}));
    const link = document.createElement('a');
    link.href = url; link.download = file.name; document.body.appendChild(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };
}
"""
SAVE_SCRIPT = "(payload) => { window.pressAssistantSave(payload); }"
# The browser's language list ("mk-MK,mk,en-US"), sent to the page-load handler.
BROWSER_LANGUAGES_SCRIPT = "(current) => [(navigator.languages || [navigator.language]).join(',')]"
CSS = """
.answer .quote { margin: 0.6em 0 1em 0; }
.answer blockquote { border-left: 3px solid #8aa; margin: 0; padding: 0.3em 0.8em; white-space: normal; }
.answer mark, .release-text mark { background: #ffe58a; color: inherit; padding: 0 1px; }
.answer cite.citation { display: block; font-size: 0.85em; font-style: normal; opacity: 0.85; margin-top: 0.3em; }
.answer .notice { color: #a15c00; }
.answer.no-answer .message, .answer.invalid .message, .answer.error .message { font-weight: 600; }
.answer button.copy-citation, .answer button.copy-answer { font-size: 0.8em; margin: 0.3em 0; padding: 0.1em 0.6em;
  border: 1px solid #8aa; border-radius: 4px; background: transparent; cursor: pointer; }
.answer button.copied { background: #dfe; }
.answer .copy-text { display: none; }
.release-text { max-height: 480px; overflow-y: auto; line-height: 1.5; }
.answer strong, .sources strong, .release-view h3 { font-weight: 600; } /* the bundled font's bold weight */
"""
