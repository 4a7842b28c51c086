// The guide page's "All guides" navigation (guide.html loads this script;
// embeds hold none). The page holds its neighbours only: the list of every
// guide is one shared file, fetched once it is shown (open on wide screens,
// when the menu opens on narrow ones) and cached by the browser from then on.
// Its own scope: the theme's scripts share the page's global one.
(() => {
  const guides = document.querySelector('.guidesite-guides[data-guide-list]');
  if (guides) {
    const list = guides.querySelector('.guidesite-guide-list');
    let loading = null;
    const nav = list.parentElement;
    const load = () => {
      if (loading) return;
      // Hidden while the whole list replaces the neighbours: what a reader
      // does not see does not jump (no layout shift).
      nav.style.visibility = 'hidden';
      loading = fetch(guides.dataset.guideList)
        .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
        .then((html) => {
          const all = new DOMParser().parseFromString(html, 'text/html').querySelector('.guidesite-guide-list');
          if (!all) return;
          for (const link of all.querySelectorAll('a[href]')) {
            if (new URL(link.href, location.href).pathname === location.pathname) {
              link.setAttribute('aria-current', 'page');
            }
          }
          list.replaceWith(document.adoptNode(all));
          // The current guide in view inside the sidebar (which scrolls on
          // its own), never moving the page itself.
          const current = all.querySelector('[aria-current="page"]');
          if (current && nav.scrollHeight > nav.clientHeight) {
            nav.scrollTop = current.offsetTop - nav.clientHeight / 2;
          }
        })
        // Without the shared list the neighbours and "Every guide" remain.
        .catch(() => {})
        .finally(() => { nav.style.visibility = ''; });
    };
    guides.addEventListener('toggle', () => guides.open && load());
    // A sidebar on wide screens: open, its toggle hidden by guidesite.css.
    const wide = matchMedia('(min-width: 64rem)');
    const follow = () => { guides.open = wide.matches; };
    wide.addEventListener('change', follow);
    follow();
  }
})();
