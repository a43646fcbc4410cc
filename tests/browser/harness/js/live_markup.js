// How many elements of each live kind injected markup could have become (all 0 when none did):
// <img src=x>, any [onerror] attribute, javascript: links, scripts mentioning __xss.
() => ({
    'img[src=x]': document.querySelectorAll('img[src="x"]').length,
    '[onerror]': document.querySelectorAll('[onerror]').length,
    'javascript: link': [...document.querySelectorAll(
          'a[href], area[href], iframe[src], form[action]')].filter(
          a => /^\s*javascript:/i.test(a.getAttribute('href') ||
                  a.getAttribute('src') || a.getAttribute('action') || '')).length,
    '<script> mentioning __xss': [...document.querySelectorAll('script')].filter(
          s => s.textContent.includes('__xss')).length })
