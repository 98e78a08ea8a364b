<?php
exec("/usr/bin/uptime", $out);
echo implode("\n", $out);
