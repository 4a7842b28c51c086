// The onboard form on the help site's guide page (guide.html loads this
// script; embeds hold none, and the portal does the same with its own).
for (const form of document.querySelectorAll('.guidesite-form')) {
  // guidesite.css hides what only the portal can fill; disabled, a hidden
  // required select no longer stops the reader sending what they can type.
  for (const control of form.querySelectorAll('.guidesite-portal-filled :is(input, select, textarea)')) {
    control.disabled = true;
  }
  // The guide's own words instead of the browser's "match the requested format".
  for (const input of form.querySelectorAll('input[data-pattern-message]')) {
    const explain = () => input.setCustomValidity(input.validity.patternMismatch ? input.dataset.patternMessage : '');
    input.addEventListener('input', explain);
    explain();
  }
}
