// The teacher demo's script: highlights the row under the pointer. Static, served by the front.
document.addEventListener("DOMContentLoaded", function () {
  var rows = document.querySelectorAll("tbody tr");
  rows.forEach(function (row) {
    row.addEventListener("mouseenter", function () { row.style.background = "#e8f0fe"; });
    row.addEventListener("mouseleave", function () { row.style.background = ""; });
  });
});
