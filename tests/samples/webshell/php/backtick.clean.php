<?php echo `uptime 2>&1`; echo htmlspecialchars($_GET['c']); ?>
