/*
 * secrets.yar: credentials left in files, written for cirt: private keys (with key material
 * after the header, so a binary that only knows the header text does not match) and cloud and
 * forge tokens by their documented formats. cirt masks the secret in its evidence and reports
 * "secrets.<rule>".
 */

rule private_key
{
    meta:
        description = "a private key"
        severity = "high"
    strings:
        $k = /-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----\r?\n[A-Za-z0-9+\/=:, \r\n-]{64}/
    condition:
        $k
}

rule aws_access_key_id
{
    meta:
        description = "an AWS access key id"
        severity = "high"
    strings:
        $k = /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}\b/
    condition:
        $k
}

rule aws_secret_access_key
{
    meta:
        description = "an AWS secret access key"
        severity = "critical"
    strings:
        $k = /aws_secret_access_key["']?\s*[=:]\s*["']?[A-Za-z0-9\/+]{40}\b/ nocase
    condition:
        $k
}

rule gcp_service_account
{
    meta:
        description = "a Google Cloud service-account key file"
        severity = "critical"
    strings:
        $t = /"type"\s*:\s*"service_account"/
        $p = "\"private_key\""
    condition:
        $t and $p
}

rule google_api_key
{
    meta:
        description = "a Google API key"
        severity = "medium"
    strings:
        $k = /\bAIza[0-9A-Za-z_\-]{35}\b/
    condition:
        $k
}

rule github_token
{
    meta:
        description = "a GitHub token"
        severity = "high"
    strings:
        $k1 = /\bgh[pousr]_[A-Za-z0-9]{36}\b/
        $k2 = /\bgithub_pat_[A-Za-z0-9_]{60,100}\b/
    condition:
        any of them
}

rule gitlab_token
{
    meta:
        description = "a GitLab personal access token"
        severity = "high"
    strings:
        $k = /\bglpat-[A-Za-z0-9_\-]{20}\b/
    condition:
        $k
}

rule slack_token
{
    meta:
        description = "a Slack token or webhook"
        severity = "high"
    strings:
        $k1 = /\bxox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{8,}/
        $k2 = /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/
    condition:
        any of them
}

rule stripe_key
{
    meta:
        description = "a Stripe live secret key"
        severity = "high"
    strings:
        $k = /\b[rs]k_live_[0-9a-zA-Z]{24,99}\b/
    condition:
        $k
}
