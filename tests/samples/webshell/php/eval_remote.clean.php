<?php
$feed = file_get_contents('https://news.example.invalid/feed.xml');
echo htmlspecialchars($feed);
