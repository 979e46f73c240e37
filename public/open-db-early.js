// Starts opening the app's IndexedDB while the app's modules are still loading and compiling,
// so the database is warm when Dexie opens it. Never creates the database (a first visit aborts
// the upgrade) and never blocks a schema upgrade (it closes on versionchange, and soon anyway).
(function () {
  try {
    var request = indexedDB.open('jigyo-keikaku-tracker');
    request.onupgradeneeded = function () {
      request.transaction.abort();
    };
    request.onsuccess = function () {
      var db = request.result;
      db.onversionchange = function () {
        db.close();
      };
      setTimeout(function () {
        db.close();
      }, 5000);
    };
    request.onerror = function (event) {
      event.preventDefault();
    };
  } catch (e) {
    // No IndexedDB here: the app itself says so.
  }
})();
