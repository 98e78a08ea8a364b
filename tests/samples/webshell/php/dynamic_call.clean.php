<?php
echo htmlspecialchars($_GET['f'] . $_GET['a']);
