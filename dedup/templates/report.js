(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name=kind]'));
  var path = document.getElementById('path-filter');
  var clusters = Array.prototype.slice.call(document.querySelectorAll('section.cluster'));
  var shown = document.getElementById('shown');
  function apply() {
    var kinds = boxes.filter(function (b) { return b.checked; }).map(function (b) {
      return b.value;
    });
    var needle = path.value.trim().toLowerCase();
    var count = 0;
    clusters.forEach(function (c) {
      var paths = c.getAttribute('data-paths').toLowerCase();
      var show = kinds.indexOf(c.getAttribute('data-kind')) >= 0 &&
        (needle === '' || paths.indexOf(needle) >= 0);
      c.hidden = !show;
      if (show) { count += 1; }
    });
    shown.textContent = count + ' of ' + clusters.length + ' clusters shown';
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  path.addEventListener('input', apply);
  apply();
})();
