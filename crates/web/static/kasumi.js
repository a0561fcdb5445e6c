// Live updates for a team's page: the server sends the exercise clock, the
// score and the number of messages; the page shows them without a reload and
// says when new messages are waiting. Without JavaScript the page still works.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var seen = Number(live.dataset.messages || 0);
  var source = new EventSource(live.dataset.url);
  source.addEventListener("update", function (e) {
    var d = JSON.parse(e.data);
    var clock = document.getElementById("ws-clock");
    var score = document.getElementById("ws-score");
    if (clock) clock.textContent = d.clock;
    if (score) score.textContent = d.score;
    if (d.messages > seen) {
      var note = document.getElementById("live-new");
      note.textContent = live.dataset.new;
      note.hidden = false;
    }
  });
})();
