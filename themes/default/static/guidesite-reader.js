// What a reader of the help site's pages gets besides the text (base.html
// loads this script; an embed holds none): the theme toggle, a "Copy"
// button after each e-mail address, and a permalink in each heading and
// step. Without script the page reads the same: the theme follows the
// system, addresses are plain `mailto:` links, headings keep their ids.
// Its own scope: the theme's scripts share the page's global one.
(() => {
  // The toggle cycles auto → light → dark; "auto" follows the system. The
  // choice is kept in localStorage, which base.html's inline script reads
  // before first paint.
  const THEMES = ['auto', 'light', 'dark'];
  const THEME_KEY = 'guidesite-theme';

  function storedTheme() {
    try {
      const theme = localStorage.getItem(THEME_KEY);
      return THEMES.includes(theme) ? theme : 'auto';
    } catch {
      return 'auto';
    }
  }

  function applyTheme(theme, toggle) {
    if (theme === 'auto') delete document.documentElement.dataset.guidesiteTheme;
    else document.documentElement.dataset.guidesiteTheme = theme;
    toggle.textContent = `Theme: ${theme}`;
    try {
      if (theme === 'auto') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, theme);
    } catch {
      // Storage refused (private mode, policy): the choice lasts this page.
    }
  }

  for (const toggle of document.querySelectorAll('.guidesite-theme-toggle')) {
    toggle.title = 'Switch between the light theme, the dark theme and the system\'s';
    applyTheme(storedTheme(), toggle);
    toggle.addEventListener('click', () => {
      const current = document.documentElement.dataset.guidesiteTheme ?? 'auto';
      applyTheme(THEMES[(THEMES.indexOf(current) + 1) % THEMES.length], toggle);
    });
    toggle.classList.add('guidesite-ready');
  }

  const guides = document.querySelectorAll('.guidesite-page .guidesite-guide');

  // One polite live region says what was copied.
  let announcer;
  function announce(message) {
    if (!announcer) {
      announcer = document.createElement('p');
      announcer.className = 'guidesite-announce';
      announcer.setAttribute('role', 'status');
      document.body.append(announcer);
    }
    announcer.textContent = '';
    // A fresh text node after a tick, so the same message is read again.
    setTimeout(() => { announcer.textContent = message; }, 50);
  }

  /** Copies `text`: the Clipboard API where the page may use it, else a selected textarea. */
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'guidesite-announce';
      document.body.append(area);
      area.select();
      const copied = document.execCommand('copy');
      area.remove();
      return copied;
    }
  }

  /** The address a `mailto:` link sends to, without `?subject=…`. */
  function mailAddress(link) {
    const target = link.getAttribute('href').slice('mailto:'.length).split('?')[0];
    try {
      return decodeURIComponent(target);
    } catch {
      return target;
    }
  }

  for (const link of [...guides].flatMap((guide) => [...guide.querySelectorAll('.guidesite-body a[href^="mailto:"]')])) {
    const address = mailAddress(link);
    if (!address) continue;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'guidesite-copy';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', `Copy ${address}`);
    button.addEventListener('click', async () => {
      const copied = await copyText(address);
      announce(copied ? `Copied ${address}` : `Could not copy: select ${address} and copy it`);
      if (!copied) return;
      button.textContent = 'Copied';
      setTimeout(() => { button.textContent = 'Copy'; }, 2000);
    });
    link.classList.add('guidesite-has-copy');
    link.after(button);
  }

  function addPermalink(target, label) {
    const link = document.createElement('a');
    link.className = 'guidesite-permalink';
    link.href = `#${target.id}`;
    link.setAttribute('aria-label', label);
    link.textContent = '#';
    target.append(link);
  }

  for (const guide of guides) {
    for (const heading of guide.querySelectorAll('.guidesite-body :is(h2, h3, h4)[id]')) addPermalink(heading, 'Link to this section');
    for (const step of guide.querySelectorAll('.guidesite-body > ol > li[id]')) addPermalink(step, 'Link to this step');
    // A link whose text is its own address does not print it twice (guidesite.css).
    for (const link of guide.querySelectorAll('.guidesite-body a[href^="http"]')) {
      if (link.textContent.trim() === link.getAttribute('href')) link.classList.add('guidesite-bare-url');
    }
  }
})();
