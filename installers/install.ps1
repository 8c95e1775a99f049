#Requires -Version 5.1
<#
.SYNOPSIS
    Installs the Noderr node agent on Windows (the Windows counterpart of install.sh).

.DESCRIPTION
    Checks the machine against its tier's minimums, creates the node's ECDSA P-256 key in the TPM (Microsoft
    Platform Crypto Provider) or, without a usable TPM, a non-exportable software key (Microsoft Software Key
    Storage Provider), registers the node with the control plane using the single-use install token, proves the
    key works (challenge/verify), writes the agent's configuration under $env:ProgramData\Noderr and registers a
    scheduled task that runs the agent at startup. Re-running is safe: an existing key and node id are kept.

    UNTESTED ON WINDOWS: written and reviewed without a PowerShell to run it (see docs/operators.md).

    The install token is asked for without echo, or read from -TokenFile or $env:NODERR_INSTALL_TOKEN. -Token still
    works but puts the token on a command line, which other local users can read while the installer runs.
    The agent jar downloaded from the control plane must match the SHA-256 it publishes
    (<url>/downloads/noderr-agent.jar.sha256) and, when given, -AgentSha256 (from the release notes). A plain http://
    control plane that is not on this machine is refused unless -InsecureHttp is given.

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File install.ps1 -Url https://control.example.org

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File install.ps1 -TokenFile C:\secure\noderr-token.txt -Url https://control.example.org -Yes

.EXAMPLE
    .\install.ps1 -Uninstall -Yes
#>
[CmdletBinding()]
param(
    [string]$Token = $env:NODERR_INSTALL_TOKEN,
    [string]$TokenFile,
    [string]$Url,
    [ValidateSet('ALL', 'ORACLE', 'GUARDIAN')][string]$Tier,
    [ValidateSet('auto', 'tpm', 'software')][string]$KeyType = 'auto',
    [string]$AgentJar,
    [string]$AgentSha256,
    [switch]$InsecureHttp,
    [string]$Prefix,
    [switch]$Yes,
    [switch]$Force,
    [switch]$Uninstall
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
Remove-Item Env:\NODERR_INSTALL_TOKEN -ErrorAction SilentlyContinue  # read into $Token; not passed on

$Minimums = @{
    ALL      = @{ Cpu = 2; MemGb = 4;  DiskGb = 20;  NetMbps = 10 }
    ORACLE   = @{ Cpu = 4; MemGb = 8;  DiskGb = 50;  NetMbps = 25 }
    GUARDIAN = @{ Cpu = 8; MemGb = 16; DiskGb = 100; NetMbps = 50 }
}
$TaskName = 'Noderr Agent'
$TpmProvider = 'Microsoft Platform Crypto Provider'
$SoftwareProvider = 'Microsoft Software Key Storage Provider'

if ($Prefix) {
    $Root = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Prefix)
    $ConfigDir = Join-Path $Root 'config'
    $StateDir = Join-Path $Root 'state'
    $AgentDir = Join-Path $Root 'agent'
    # A per-user key whose name is tied to the sandbox, so sandboxes never touch the machine's node key.
    $sha = [Security.Cryptography.SHA256]::Create()
    $hash = -join ($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($Root.ToLowerInvariant()))[0..3] | ForEach-Object { $_.ToString('x2') })
    $KeyName = "NoderrNodeKey-$hash"
    $MachineKey = $false
} else {
    $ConfigDir = Join-Path $env:ProgramData 'Noderr'
    $StateDir = Join-Path $ConfigDir 'state'
    $AgentDir = Join-Path $env:ProgramFiles 'Noderr'
    $KeyName = 'NoderrNodeKey'
    $MachineKey = $true
}
$PropsFile = Join-Path $ConfigDir 'agent.properties'

# ------------------------------------------------------------------------------------------------ helpers

function Say([string]$Text) { Write-Host $Text }
function Step([string]$Text) { Write-Host ''; Write-Host "==> $Text" }
function Warn([string]$Text) { Write-Warning $Text }
function Fail([string]$Text, [string[]]$More = @(), [int]$Code = 1) {
    [Console]::Error.WriteLine("ERROR: $Text")
    foreach ($line in $More) { [Console]::Error.WriteLine("       $line") }
    exit $Code
}
function Usage-Error([string]$Text) {
    [Console]::Error.WriteLine("install.ps1: $Text")
    [Console]::Error.WriteLine('Usage: install.ps1 -Url <control plane URL> [-TokenFile FILE] [-Tier ALL|ORACLE|GUARDIAN] [-KeyType auto|tpm|software] [-AgentJar PATH] [-AgentSha256 HEX] [-InsecureHttp] [-Prefix DIR] [-Yes] [-Force]')
    [Console]::Error.WriteLine('       install.ps1 -Uninstall [-Prefix DIR] [-Yes]')
    exit 2
}

# Runs a native program without PowerShell 5.1 turning its stderr into terminating errors.
function Invoke-Native([string]$File, [string[]]$Arguments) {
    $saved = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        $output = & $File @Arguments 2>&1 | ForEach-Object { "$_" }
        return [pscustomobject]@{ Code = $LASTEXITCODE; Output = ($output -join "`n") }
    } catch {
        return [pscustomobject]@{ Code = -1; Output = "$_" }
    } finally {
        $ErrorActionPreference = $saved
    }
}

function Read-Props([string]$Path) {
    $props = @{}
    if (Test-Path -LiteralPath $Path) {
        foreach ($line in Get-Content -LiteralPath $Path) {
            if ($line -match '^\s*([A-Za-z0-9.-]+)\s*=\s*(.*)$') { $props[$Matches[1]] = $Matches[2] }
        }
    }
    return $props
}

function Confirm-Step([string]$Question, [string]$Purpose) {
    if ($Yes) { return }
    if (-not [Environment]::UserInteractive -or [Console]::IsInputRedirected) {
        Fail "no terminal to confirm on: pass -Yes to $Purpose without asking."
    }
    $answer = Read-Host "$Question [y/N]"
    if ($answer -notmatch '^(y|yes)$') { Say 'Aborted: nothing was changed.'; exit 1 }
}

function Test-Admin {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    return $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Open-NodeKey([string]$ProviderName) {
    $provider = New-Object Security.Cryptography.CngProvider($ProviderName)
    $options = if ($MachineKey) { [Security.Cryptography.CngKeyOpenOptions]::MachineKey } else { [Security.Cryptography.CngKeyOpenOptions]::None }
    if ([Security.Cryptography.CngKey]::Exists($KeyName, $provider, $options)) {
        return [Security.Cryptography.CngKey]::Open($KeyName, $provider, $options)
    }
    return $null
}

# ------------------------------------------------------------------------------------------------ uninstall

if ($Uninstall) {
    if (-not $Prefix -and -not (Test-Admin)) { Fail 'run this in an elevated PowerShell (Run as administrator), or pass -Prefix DIR.' }
    Confirm-Step "Remove the Noderr node agent, its configuration and node key$(if ($Prefix) { " from $Prefix" })?" 'uninstall'
    Step 'Uninstall'
    $removed = @()
    $uninstalledId = (Read-Props $PropsFile)['node-id']
    if (-not $Prefix -and (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue)) {
        Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
        Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
        $removed += "scheduled task '$TaskName'"
    }
    foreach ($providerName in @($TpmProvider, $SoftwareProvider)) {
        try { $key = Open-NodeKey $providerName } catch { $key = $null }
        if ($key) { $key.Delete(); $removed += "node key $KeyName ($providerName)" }
    }
    foreach ($dir in @($AgentDir, $StateDir, $ConfigDir)) {
        if (Test-Path -LiteralPath $dir) { Remove-Item -LiteralPath $dir -Recurse -Force; $removed += $dir }
    }
    if ($removed.Count -eq 0) { Say 'Nothing to remove: the Noderr node agent is not installed.'; exit 0 }
    Say 'Removed:'
    $removed | ForEach-Object { Say "  $_" }
    Say 'The node key is deleted, so this node can no longer authenticate. Docker containers and images are not touched.'
    if ($uninstalledId) { Say "This machine was node ${uninstalledId}: if it is retired, ask the network admins to suspend node $uninstalledId." }
    exit 0
}

# ------------------------------------------------------------------------------------------------ arguments

$recorded = Read-Props $PropsFile
if (-not $Url) { $Url = $recorded['control-plane-url'] }
if (-not $Url) { Usage-Error 'missing -Url <control plane URL>' }
if ($Url -notmatch '^https?://[^/\s]+') { Usage-Error '-Url must start with http:// or https://' }
if ($Url -match '^https?://[^/]*@') { Usage-Error '-Url must not contain a user name or password' }
$Url = $Url.TrimEnd('/')
# Plain http is refused for a control plane elsewhere: the install token and the agent (which runs as SYSTEM) would
# travel readable and changeable by anyone on the way.
if ($Url -like 'http://*') {
    $urlHost = ([Uri]$Url).Host.Trim('[', ']')
    $ip = $null
    $loopback = $urlHost -eq 'localhost' -or ([Net.IPAddress]::TryParse($urlHost, [ref]$ip) -and [Net.IPAddress]::IsLoopback($ip))
    if (-not $loopback) {
        if (-not $InsecureHttp) {
            [Console]::Error.WriteLine("ERROR: refusing the plain http control plane URL $Url.")
            [Console]::Error.WriteLine('       Over http the install token and the agent jar (which runs as SYSTEM) can be read and replaced by')
            [Console]::Error.WriteLine("       anyone on the network path. Use the control plane's https:// address, or pass -InsecureHttp to")
            [Console]::Error.WriteLine('       accept this risk in a test network.')
            exit 2
        }
        Warn 'the control plane URL is plain http (allowed by -InsecureHttp): the install token and the agent can be read and changed on the network path. Use https outside a test network.'
    }
}
if ($AgentSha256) {
    $AgentSha256 = $AgentSha256.ToLowerInvariant()
    if ($AgentSha256 -notmatch '^[0-9a-f]{64}$') { Usage-Error '-AgentSha256 must be 64 hexadecimal digits' }
}
if ($TokenFile) {
    if ($PSBoundParameters.ContainsKey('Token')) { Usage-Error '-Token and -TokenFile: pass only one' }
    if (-not (Test-Path -LiteralPath $TokenFile -PathType Leaf)) { Usage-Error "-TokenFile: cannot read $TokenFile" }
    $Token = ((Get-Content -LiteralPath $TokenFile -Raw) -replace '\s', '')
    if (-not $Token) { Usage-Error "-TokenFile: $TokenFile is empty" }
}
$registeredId = $recorded['node-id']
$registeredTier = if ($recorded['tier'] -in @('ALL', 'ORACLE', 'GUARDIAN')) { $recorded['tier'] } else { $null }
$tokenHowTo = 'Pass it with -TokenFile FILE or $env:NODERR_INSTALL_TOKEN, or run the installer in an interactive PowerShell to be asked for it.'
# Install tokens are nit_ followed by base64url characters: anything else is refused before a key is made, unshown.
function Test-TokenForm {
    if ($Token -cmatch '^nit_[A-Za-z0-9_-]+$') { return }
    $why = if ($Token.StartsWith('nit_')) { 'it has characters an install token never has' } else { 'it does not start with nit_' }
    Fail "this is not an install token: $why (not shown): nothing was changed." @('An install token is nit_ followed by 43 letters, digits, - and _, as the network admins sent it. Copy the whole token, then run the installer again.') 2
}
if ($registeredId) {
    if ($Token) {
        Say "The install token was not used: this machine is already registered as $registeredId."
        Say 'The token stays valid until it expires: keep it for another node, or ask the network admins to revoke it.'
    }
    $Token = ''
} elseif ($Token) {
    Test-TokenForm
} elseif (-not [Environment]::UserInteractive -or [Console]::IsInputRedirected) {
    Fail 'missing install token (there is no terminal to ask for it on): nothing was changed.' @($tokenHowTo) 2
}
foreach ($name in 'NODERR_PREFLIGHT_CPU', 'NODERR_PREFLIGHT_MEM_GB', 'NODERR_PREFLIGHT_DISK_GB') {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ($value -and $value -notmatch '^\d+$') { Usage-Error "$name must be a whole number (it overrides the detected value)" }
}
if ($AgentJar -and -not (Test-Path -LiteralPath $AgentJar -PathType Leaf)) { Usage-Error "-AgentJar: no such file: $AgentJar" }
if (-not $Prefix -and -not (Test-Admin)) {
    Fail 'run this in an elevated PowerShell (Run as administrator).' @('For a sandbox install without administrator rights, pass -Prefix DIR (no scheduled task).')
}
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

Say "Noderr node installer: control plane $Url"

# The control plane's health check first: a wrong -Url stops here, before the token is asked for or anything is made.
Step 'Control plane'
$healthStatus = 0
$healthBody = ''
try {
    $health = Invoke-WebRequest -UseBasicParsing -Uri "$Url/api/v1/health-check" -TimeoutSec 30 -MaximumRedirection 0
    $healthStatus = [int]$health.StatusCode
    $healthBody = "$($health.Content)"
} catch {
    $response = if ($_.Exception.PSObject.Properties['Response']) { $_.Exception.Response } else { $null }
    if (-not $response) {
        $reason = if ($_.Exception.InnerException) { $_.Exception.InnerException.Message } else { $_.Exception.Message }
        Fail "cannot connect to $(([Uri]$Url).Authority): ${reason}: nothing was changed." @('Check the -Url (scheme, host and port) and that the control plane runs there; a firewall or proxy may block it.')
    }
    $healthStatus = [int]$response.StatusCode
}
if ($healthStatus -ne 200 -or $healthBody -notmatch '"status"\s*:\s*"ok"') {
    if ($healthStatus -ge 500) {
        Fail "the control plane at $Url is not ready: its health check answered HTTP ${healthStatus}: nothing was changed." @('Run the installer again in a few minutes.')
    }
    Fail "$Url is not a Noderr control plane: GET /api/v1/health-check answered HTTP ${healthStatus}: nothing was changed." @("Check the -Url: the control plane's address, e.g. https://control.example.org, without a path.")
}
Say "Control plane at ${Url}: answering."
if (-not $Token -and -not $registeredId) {
    # Asked without echo: the token is then on no command line and in no shell history.
    $secure = Read-Host -AsSecureString 'Install token (from your approval; not shown while typed)'
    $pointer = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure)
    try { $Token = ([Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer) -replace '\s', '') }
    finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer) }
    if (-not $Token) { Fail 'no install token was entered: nothing was changed.' @("Paste the install token the network admins sent you (it starts with nit_), or: $tokenHowTo") 2 }
    Test-TokenForm
}

# ------------------------------------------------------------------------------------------------ preflight

function Get-Hardware {
    $cpu = [Environment]::ProcessorCount
    $memBytes = (Get-CimInstance -ClassName Win32_ComputerSystem).TotalPhysicalMemory
    $mem = [int][Math]::Round($memBytes / 1GB)
    $drive = (Split-Path -Qualifier $StateDir).TrimEnd(':')
    $disk = [int][Math]::Floor((Get-PSDrive -Name $drive).Free / 1GB)
    $gpu = [bool](Get-CimInstance -ClassName Win32_VideoController | Where-Object { $_.Name -match 'NVIDIA|AMD|Radeon' })
    if ($env:NODERR_PREFLIGHT_CPU) { $cpu = [int]$env:NODERR_PREFLIGHT_CPU }
    if ($env:NODERR_PREFLIGHT_MEM_GB) { $mem = [int]$env:NODERR_PREFLIGHT_MEM_GB }
    if ($env:NODERR_PREFLIGHT_DISK_GB) { $disk = [int]$env:NODERR_PREFLIGHT_DISK_GB }
    return [pscustomobject]@{ CpuCores = $cpu; MemoryGb = $mem; DiskGb = $disk; Gpu = $gpu; Drive = "${drive}:" }
}

function Show-Preflight([string]$CheckTier, $Hw) {
    $min = $Minimums[$CheckTier]
    $rows = @(
        [pscustomobject]@{ Requirement = 'CPU cores'; Needed = "$($min.Cpu)"; Found = "$($Hw.CpuCores)"; Result = $(if ($Hw.CpuCores -ge $min.Cpu) { 'ok' } else { 'FAIL' }) }
        [pscustomobject]@{ Requirement = 'Memory'; Needed = "$($min.MemGb) GB"; Found = "$($Hw.MemoryGb) GB"; Result = $(if ($Hw.MemoryGb -ge $min.MemGb) { 'ok' } else { 'FAIL' }) }
        [pscustomobject]@{ Requirement = 'Free disk'; Needed = "$($min.DiskGb) GB"; Found = "$($Hw.DiskGb) GB free on $($Hw.Drive)"; Result = $(if ($Hw.DiskGb -ge $min.DiskGb) { 'ok' } else { 'FAIL' }) }
        [pscustomobject]@{ Requirement = 'Network'; Needed = "$($min.NetMbps) Mbps"; Found = 'not measured'; Result = 'not checked' }
        [pscustomobject]@{ Requirement = 'GPU'; Needed = @{ ALL = '-'; ORACLE = 'optional'; GUARDIAN = 'recommended' }[$CheckTier]; Found = $(if ($Hw.Gpu) { 'yes' } else { 'no' }); Result = 'ok' }
    )
    $rows | Format-Table -AutoSize | Out-String | Write-Host
    return -not ($rows | Where-Object { $_.Result -eq 'FAIL' })
}

Step 'Preflight'
$checkTier = if ($registeredTier) { $registeredTier } elseif ($Tier) { $Tier } else { 'ALL' }
if ($registeredTier) { Say "Checking this machine against the $checkTier tier minimums (node $registeredId is registered in tier $checkTier)." }
elseif ($Tier) { Say "Checking this machine against the $Tier tier minimums." }
else { Say '-Tier not given: checking against the ALL tier minimums (the lowest); the control plane decides the tier from your install token.' }
$hw = Get-Hardware
if (Show-Preflight $checkTier $hw) {
    Say "Preflight passed. The network speed is not measured: make sure the connection gives at least $($Minimums[$checkTier].NetMbps) Mbps."
} elseif ($Force) {
    Warn "this machine is below the $checkTier tier minimums; continuing because of -Force."
} else {
    Fail "this machine does not meet the $checkTier tier minimums (see the table above)." @('Use a machine that meets them, apply for a lower tier, or pass -Force to install anyway (not recommended).')
}

Step 'Docker and Java'
$missing = @()
$dockerCmd = Get-Command docker -ErrorAction SilentlyContinue
if (-not $dockerCmd -or (Invoke-Native $dockerCmd.Source @('info')).Code -ne 0) {
    $missing += 'a running Docker engine'
    Warn 'Docker is missing or not running. Install Docker Desktop (winget install Docker.DockerDesktop, or https://docs.docker.com/desktop/setup/install/windows-install/) and start it.'
} else { Say "Docker engine: running ($(if ($env:DOCKER_HOST) { $env:DOCKER_HOST } else { 'npipe:////./pipe/docker_engine' }))" }
$javaBin = $null
$candidates = @()
if ($env:NODERR_JAVA) { $candidates = @($env:NODERR_JAVA) } else {
    if ($env:JAVA_HOME) { $candidates += (Join-Path $env:JAVA_HOME 'bin\java.exe') }
    $onPath = Get-Command java -ErrorAction SilentlyContinue
    if ($onPath) { $candidates += $onPath.Source }
}
foreach ($candidate in $candidates) {
    if (-not (Test-Path -LiteralPath $candidate)) { continue }
    $version = Invoke-Native $candidate @('-version')
    if ($version.Output -match 'version "(?:1\.)?(\d+)') {
        if ([int]$Matches[1] -ge 21) { $javaBin = $candidate; Say "Java $($Matches[1]) at $candidate"; break }
    }
}
if (-not $javaBin) {
    $missing += 'Java 21'
    Warn 'Java 21 or newer is needed: winget install EclipseAdoptium.Temurin.21.JRE (or https://adoptium.net/), or set NODERR_JAVA to a java.exe.'
}
if ($missing.Count -gt 0) {
    if ($Force) { Warn "continuing without $($missing -join ' and ') because of -Force: the agent cannot run until installed." }
    else { Fail "install $($missing -join ' and ') as shown above and run this installer again (or pass -Force)." }
}

$tierText = if ($registeredId) { "tier $($recorded['tier'])" } elseif ($Tier) { "tier $Tier" } else { 'the tier of your install token' }
Confirm-Step "Install the Noderr node agent for $tierText into $(if ($Prefix) { $Prefix } else { "$ConfigDir and $AgentDir" })?" 'install'

# ------------------------------------------------------------------------------------------------ agent download

# The agent is fetched and verified before anything on the machine changes: a jar that does not match its SHA-256
# stops the install here.
function Test-AgentDigest([string]$File, [string]$From, [string]$Published) {
    $actual = (Get-FileHash -LiteralPath $File -Algorithm SHA256).Hash.ToLowerInvariant()
    if ($Published -and $actual -ne $Published) {
        Remove-Item -LiteralPath $File -ErrorAction SilentlyContinue
        Fail "the agent jar from $From does not match the SHA-256 the control plane publishes: nothing was installed." @(
            "published: $Published", "download:  $actual",
            'The download was changed or broken on the way, or the control plane replaced the jar meanwhile: run the installer again; if it fails again, tell the control plane''s admin.')
    }
    if ($AgentSha256 -and $actual -ne $AgentSha256) {
        Remove-Item -LiteralPath $File -ErrorAction SilentlyContinue
        Fail "the agent jar $From does not match -AgentSha256: nothing was installed." @(
            "expected (-AgentSha256): $AgentSha256", "agent jar:               $actual",
            'Check the digest in the release notes, and that the control plane serves that release.')
    }
    Say "Agent jar SHA-256 ${actual}: verified."
}

Step 'Agent download'
$agentFile = $null
$agentFrom = $null
$downloaded = Join-Path ([IO.Path]::GetTempPath()) ("noderr-agent-" + [Guid]::NewGuid().ToString('N') + '.jar')
if ($AgentJar) {
    $agentFrom = $AgentJar
    Copy-Item -LiteralPath $AgentJar -Destination $downloaded -Force
    if ($AgentSha256) { Test-AgentDigest $downloaded $AgentJar '' }
    $agentFile = $downloaded
    Say "Using the agent jar $AgentJar."
} else {
    $agentFrom = "$Url/downloads/noderr-agent.jar"
    $available = $true
    try {
        Invoke-WebRequest -Uri $agentFrom -OutFile $downloaded -UseBasicParsing -TimeoutSec 600
    } catch {
        Remove-Item -LiteralPath $downloaded -ErrorAction SilentlyContinue
        $available = $false
        if ($AgentSha256) {
            Fail "-AgentSha256 given, but the agent is not available at ${agentFrom}: nothing was installed." @('Download the jar yourself and pass it with -AgentJar PATH -AgentSha256 HEX.')
        }
        Warn "the agent is not available at $agentFrom ($($_.Exception.Message))."
    }
    if ($available) {
        $published = ''
        try {
            $digestText = (Invoke-WebRequest -Uri "$agentFrom.sha256" -UseBasicParsing -TimeoutSec 60).Content
            if ($digestText -is [byte[]]) { $digestText = [Text.Encoding]::ASCII.GetString($digestText) }
            $published = ([string]$digestText).Trim().Split(@(' ', "`t", "`n"), [StringSplitOptions]::RemoveEmptyEntries)[0].ToLowerInvariant()
            if ($published -notmatch '^[0-9a-f]{64}$') {
                Remove-Item -LiteralPath $downloaded -ErrorAction SilentlyContinue
                Fail "$agentFrom.sha256 is not a SHA-256 digest: nothing was installed." @("Tell the control plane's admin.")
            }
        } catch {
            $published = ''   # not published (HTTP 404 from an older control plane) or not readable
        }
        if (-not $published -and -not $AgentSha256) {
            Remove-Item -LiteralPath $downloaded -ErrorAction SilentlyContinue
            Fail "the control plane publishes no SHA-256 for its agent jar ($agentFrom.sha256): nothing was installed." @('Pass the digest from the release notes with -AgentSha256 HEX, or a jar with -AgentJar PATH.')
        }
        Test-AgentDigest $downloaded $agentFrom $published
        $agentFile = $downloaded
        Say "Downloaded the agent from $agentFrom."
    }
}

# ------------------------------------------------------------------------------------------------ node key

foreach ($dir in @($ConfigDir, $StateDir, $AgentDir)) { New-Item -ItemType Directory -Force -Path $dir | Out-Null }
if (-not $Prefix) {
    # Only SYSTEM and Administrators may read the configuration (the agent runs as SYSTEM).
    & icacls.exe $ConfigDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
}

function New-NodeKey([string]$ProviderName) {
    $parameters = New-Object Security.Cryptography.CngKeyCreationParameters
    $parameters.Provider = New-Object Security.Cryptography.CngProvider($ProviderName)
    $parameters.KeyUsage = [Security.Cryptography.CngKeyUsages]::Signing
    $parameters.ExportPolicy = [Security.Cryptography.CngExportPolicies]::None   # the private key never leaves
    if ($MachineKey) { $parameters.KeyCreationOptions = [Security.Cryptography.CngKeyCreationOptions]::MachineKey }
    return [Security.Cryptography.CngKey]::Create([Security.Cryptography.CngAlgorithm]::ECDsaP256, $KeyName, $parameters)
}

Step 'Node key'
$key = $null
$keyTypeName = $null
try { $key = Open-NodeKey $TpmProvider; if ($key) { $keyTypeName = 'TPM2' } } catch { $key = $null }
if (-not $key) { $key = Open-NodeKey $SoftwareProvider; if ($key) { $keyTypeName = 'SOFTWARE' } }
if ($registeredId -and -not $key) {
    Fail "this machine is registered as $registeredId but its node key $KeyName is missing." @('Run the installer with -Uninstall, then install again with a new install token.')
}
if ($key) {
    Say "Keeping the existing $keyTypeName node key $KeyName."
} else {
    if ($KeyType -ne 'software') {
        try { $key = New-NodeKey $TpmProvider; $keyTypeName = 'TPM2' }
        catch {
            if ($KeyType -eq 'tpm') { Fail "could not create the key in the TPM: $($_.Exception.Message)" @('Check that the TPM 2.0 is enabled and ready (Get-Tpm).') }
            Warn "no usable TPM ($($_.Exception.Message)): using a non-exportable software key."
        }
    }
    if (-not $key) { $key = New-NodeKey $SoftwareProvider; $keyTypeName = 'SOFTWARE' }
    Say "Created a $keyTypeName ECDSA P-256 node key $KeyName."
}

# SubjectPublicKeyInfo (DER) of the key: the fixed P-256 header followed by 04 || X || Y from the ECCPUBLIC blob.
$blob = $key.Export([Security.Cryptography.CngKeyBlobFormat]::EccPublicBlob)   # magic(4) cbKey(4) X(32) Y(32)
[byte[]]$spkiHeader = 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
    0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04
[byte[]]$spki = $spkiHeader + $blob[8..71]
$publicKey = [Convert]::ToBase64String($spki)
$keyProvider = if ($keyTypeName -eq 'TPM2') { $TpmProvider } else { $SoftwareProvider }

# ------------------------------------------------------------------------------------------------ control plane

function Invoke-Api([string]$Path, $Body, [string]$What, [string]$Note = '') {
    $json = $Body | ConvertTo-Json -Depth 5 -Compress
    try {
        return Invoke-RestMethod -Method Post -Uri "$Url$Path" -ContentType 'application/json' -Body $json -TimeoutSec 60
    } catch {
        $response = if ($_.Exception.PSObject.Properties['Response']) { $_.Exception.Response } else { $null }
        if (-not $response) { Fail "cannot reach the control plane at ${Url}: $($_.Exception.Message)" @('Check the -Url, DNS, firewalls and proxies.') }
        $status = [int]$response.StatusCode
        $text = if ($_.ErrorDetails -and $_.ErrorDetails.Message) { $_.ErrorDetails.Message } else {
            try { (New-Object IO.StreamReader($response.GetResponseStream())).ReadToEnd() } catch { '' }
        }
        $problem = $null
        try { $problem = $text | ConvertFrom-Json } catch { $problem = $null }
        if (-not $problem -or -not ($problem.PSObject.Properties.Name -contains 'title')) {
            Fail "$What failed: the control plane answered HTTP $status without an error description." @("Check that -Url ($Url) is the control plane's address.")
        }
        # Advice for an answer without a detail (the control plane's detail says the same: not said twice) ...
        $fallbacks = @{
            'install-token-unknown'    = 'Check that the whole token was copied, without spaces or line breaks.'
            'install-token-expired'    = 'Install tokens are valid for a limited time: ask the network admins to issue a new one.'
            'install-token-used'       = 'An install token works once: ask the network admins for a new token.'
            'install-token-revoked'    = 'This token was revoked by the network admins: contact them for a new one.'
            'install-token-wrong-tier' = "The token was issued for another tier: leave -Tier out, or pass the token's tier."
        }
        # ... and what the installer adds to any answer (what to do on this machine).
        $hints = @{
            'install-token-used'       = '(It registered another machine, or this one before its key was replaced.)'
            'public-key-in-use'        = 'This node key is already registered as a node. Re-run with the install token that registered it to recover that registration, or run -Uninstall (which removes the key) and install again with a new token.'
            'invalid-request'          = "The control plane refused the installer's request; please report the message above."
        }
        $more = @()
        $hasDetail = ($problem.PSObject.Properties.Name -contains 'detail') -and $problem.detail
        if ($hasDetail) { $more += $problem.detail }
        $kind = if ($problem.PSObject.Properties.Name -contains 'type') { ($problem.type -split '/')[-1] } else { '' }
        if (-not $hasDetail -and $fallbacks.ContainsKey($kind)) { $more += $fallbacks[$kind] }
        elseif ($hints.ContainsKey($kind)) { $more += $hints[$kind] }
        if ($Note) { $more += $Note }
        Fail "$What failed: $($problem.title) (HTTP $status)" $more
    }
}

function Write-Config([string]$NodeId, [string]$NodeTier) {
    $tuned = [ordered]@{ 'docker-host' = 'npipe:////./pipe/docker_engine'; 'check-interval' = 'PT5M'
        'health-check-url' = 'http://127.0.0.1:8180/health'; 'rollback-timeout' = 'PT5M'; 'auto-update' = 'true' }
    # The engine the Docker check reached (DOCKER_HOST when set); a value already in the file is kept.
    if ($env:DOCKER_HOST -match '^(npipe|tcp)://') { $tuned['docker-host'] = $env:DOCKER_HOST }
    $old = Read-Props $PropsFile
    foreach ($name in @($tuned.Keys)) { if ($old[$name]) { $tuned[$name] = $old[$name] } }
    $lines = @("# Noderr node agent configuration, written by install.ps1 on $((Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')).",
        "control-plane-url=$Url", "node-id=$NodeId", "tier=$NodeTier", "key-type=$keyTypeName",
        # Java properties: backslashes are escapes, so paths use forward slashes.
        "key-path=cng:$keyProvider/$KeyName$(if ($MachineKey) { '?machine' })", "state-dir=$($StateDir -replace '\\', '/')")
    foreach ($name in $tuned.Keys) { $lines += "$name=$($tuned[$name])" }
    # Every other line of an existing file (beacon-address, maintenance-window, metrics-port, comments …) is kept.
    $owned = @('control-plane-url', 'node-id', 'tier', 'key-type', 'key-path', 'state-dir') + @($tuned.Keys)
    $kept = @()
    if (Test-Path -LiteralPath $PropsFile) {
        foreach ($line in Get-Content -LiteralPath $PropsFile) {
            if ($line -match '^\s*([^#!\s=:][^\s=:]*)') {
                if ($owned -ccontains $Matches[1]) { continue }
            } elseif ($line -like '# Noderr node agent configuration, written by install.ps1*' -or
                $line -like '# kept from the previous file*' -or ($kept.Count -eq 0 -and -not $line.Trim())) {
                continue
            }
            $kept += $line
        }
    }
    if ($kept.Count -gt 0) { $lines += '# kept from the previous file (settings install.ps1 does not write)'; $lines += $kept }
    [IO.File]::WriteAllLines($PropsFile, [string[]]$lines, (New-Object Text.UTF8Encoding($false)))
}

if ($registeredId) {
    $nodeId = $registeredId
    $nodeTier = $recorded['tier']
    Step 'Registration'
    Say "Already registered as $nodeId (tier $nodeTier): skipping registration (re-running is safe)."
} else {
    Step 'Registration'
    $body = [ordered]@{
        installToken   = $Token
        publicKey      = $publicKey
        keyAttestation = @{ type = $keyTypeName }
        hostname       = [Environment]::MachineName
        hardware       = [ordered]@{ cpuCores = $hw.CpuCores; memoryGb = $hw.MemoryGb; diskGb = $hw.DiskGb; networkMbps = 0; gpu = $hw.Gpu }
    }
    if ($Tier) { $body['tier'] = $Tier }
    $answer = Invoke-Api '/api/v1/auth/register' $body 'Registration'
    $body = $null
    $Token = $null
    $nodeId = [string]$answer.nodeId
    $nodeTier = [string]$answer.tier
    if ($nodeId -notmatch '^[A-Za-z0-9._:-]+$') { Fail "the control plane's answer has no usable nodeId." }
    Say "Registered as $nodeId (tier $nodeTier)."
}
Write-Config $nodeId $nodeTier   # before authenticating: a re-run after a failure below does not register twice

Step 'Authentication'
$rerun = 'The node is registered: run the installer again (no token needed) once fixed.'
$challenge = Invoke-Api '/api/v1/auth/challenge' @{ nodeId = $nodeId } 'Requesting a login challenge' $rerun
$ecdsa = New-Object Security.Cryptography.ECDsaCng($key)
# IEEE P1363 form (r || s, 64 bytes), which the control plane accepts next to DER.
$signature = $ecdsa.SignData([Convert]::FromBase64String($challenge.nonce), [Security.Cryptography.HashAlgorithmName]::SHA256)
$verified = Invoke-Api '/api/v1/auth/verify' @{ nodeId = $nodeId; nonce = $challenge.nonce; signature = [Convert]::ToBase64String($signature) } 'Authenticating with the node key' $rerun
if (-not $verified.accessToken) { Fail 'the control plane accepted the signature but sent no access token.' }
Say "Node $nodeId registered (tier $nodeTier, key: $keyTypeName) and authenticated."
if ($nodeTier -ne $checkTier -and $Minimums.ContainsKey($nodeTier)) {
    Step "Preflight for tier $nodeTier"
    if (-not (Show-Preflight $nodeTier $hw)) { Warn "this machine is below the $nodeTier tier minimums: the node may be unable to run its workload." }
}

# ------------------------------------------------------------------------------------------------ agent

Step 'Agent'
$jar = Join-Path $AgentDir 'noderr-agent.jar'
$agentReady = $false
if ($agentFile) {
    # Copied (not moved), so that the jar takes the permissions of its folder rather than of the temp folder.
    Copy-Item -LiteralPath $agentFile -Destination "$jar.new" -Force
    Move-Item -LiteralPath "$jar.new" -Destination $jar -Force
    Remove-Item -LiteralPath $agentFile -ErrorAction SilentlyContinue
    $agentReady = $true
    Say "Installed the agent from $agentFrom as $jar."
} elseif (Test-Path -LiteralPath $jar) {
    $agentReady = $true
    Warn 'could not download the agent: keeping the installed one.'
} else {
    Warn "the agent is not available at $Url/downloads/noderr-agent.jar yet: run this installer again then (no token needed) or pass -AgentJar PATH."
}

$javaForTask = if ($javaBin) { $javaBin } else { 'java.exe' }
$arguments = "-Xss256k -XX:+UseSerialGC -Xms8m -Xmx32m -Xmn2m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -Xint -jar `"$jar`" run --config `"$PropsFile`""
if ($Prefix) {
    Say 'Sandbox install (-Prefix): no scheduled task. Run the agent with:'
    Say "  & `"$javaForTask`" $arguments"
} else {
    Step 'Scheduled task'
    $action = New-ScheduledTaskAction -Execute $javaForTask -Argument $arguments -WorkingDirectory $StateDir
    $trigger = New-ScheduledTaskTrigger -AtStartup
    $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -RestartCount 255 -RestartInterval (New-TimeSpan -Minutes 1) `
        -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Principal $principal -Settings $settings `
        -Description 'Noderr node agent (installed by install.ps1)' -Force | Out-Null
    if ($agentReady) {
        Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
        Start-ScheduledTask -TaskName $TaskName
        Say "Scheduled task '$TaskName' registered (runs at startup as SYSTEM) and started."
    } else {
        Say "Scheduled task '$TaskName' registered; it starts the agent at the next boot once the jar is installed."
    }
}

Step 'Done'
Say "Configuration: $PropsFile"
Say "Node key:      $KeyName in $keyProvider ($keyTypeName)"
Say "State:         $StateDir"
