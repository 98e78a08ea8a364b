<?php
/**
 * Fires for `$_POST['action']` requests. Never do `eval($_POST['x'])` or
 * system($_GET['cmd']) with what `$_REQUEST` holds.
 */
# assert($_POST['x']);
// shell_exec($_GET['c']);
$action = isset($_POST['action']) ? $_POST['action'] : '';
echo "Action: " . htmlspecialchars($action) . " `not a command`";
?>
<p>eval($_POST['x']) in HTML is not code either.</p>
