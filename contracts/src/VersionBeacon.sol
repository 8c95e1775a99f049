// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title VersionBeacon
/// @notice The on-chain record of which Noderr Node OS version each node tier should run. The control plane
///         publishes releases here and indexes the events; node agents read it to check that the image they are
///         told to run has the digest recorded on-chain.
/// @dev Tiers are passed as uint8 (0 = ALL, 1 = ORACLE, 2 = GUARDIAN) so that an unknown tier reverts with a
///      descriptive error instead of a panic. Version ids start at 1 per tier and never change.
contract VersionBeacon is AccessControl {
    /// @notice May publish versions and trigger emergency rollbacks.
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");

    uint8 public constant TIER_COUNT = 3;
    uint8 public constant MAX_CANARY_PERCENTAGE = 50;
    uint16 public constant MAX_COHORT_DELAY_HOURS = 720;
    uint256 public constant MAX_VERSION_STRING_LENGTH = 50;
    uint256 public constant MAX_IMAGE_REF_LENGTH = 512;

    struct Version {
        uint64 versionId;
        string versionString;
        string imageRef;
        bytes32 imageDigest;
        bytes32 configHash;
        uint64 publishedAt;
    }

    struct RolloutConfig {
        uint8 canaryPercentage;
        uint8 cohortPercentage;
        uint16 cohortDelayHours;
    }

    error UnknownTier(uint8 tier);
    error InvalidVersionString();
    error InvalidImageRef();
    error EmptyImageDigest();
    error VersionAlreadyPublished(uint8 tier, string versionString);
    error UnknownVersion(uint8 tier, uint64 versionId);
    error NoCurrentVersion(uint8 tier);
    error NotAnEarlierVersion(uint8 tier, uint64 toVersionId, uint64 currentVersionId);
    error InvalidRolloutConfig(uint8 canaryPercentage, uint8 cohortPercentage, uint16 cohortDelayHours);

    event VersionPublished(
        uint8 indexed tier,
        uint64 indexed versionId,
        string versionString,
        string imageRef,
        bytes32 imageDigest,
        bytes32 configHash,
        uint64 publishedAt,
        address publisher
    );
    event EmergencyRollback(
        uint8 indexed tier, uint64 indexed fromVersionId, uint64 indexed toVersionId, address publisher
    );
    event RolloutConfigUpdated(
        uint8 indexed tier, uint8 canaryPercentage, uint8 cohortPercentage, uint16 cohortDelayHours, address admin
    );

    mapping(uint8 tier => Version[]) private _versions;
    mapping(uint8 tier => uint64) private _current;
    mapping(uint8 tier => RolloutConfig) private _rolloutConfig;
    mapping(uint8 tier => mapping(bytes32 versionStringHash => uint64)) private _idByVersionString;

    /// @param admin receives the admin and publisher roles; every tier starts with the 5 / 25 / 24 rollout config.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PUBLISHER_ROLE, admin);
        for (uint8 tier = 0; tier < TIER_COUNT; tier++) {
            _setRolloutConfig(tier, RolloutConfig(5, 25, 24), admin);
        }
    }

    modifier knownTier(uint8 tier) {
        if (tier >= TIER_COUNT) revert UnknownTier(tier);
        _;
    }

    /// @notice Publishes a version for a tier and makes it the tier's current version.
    /// @return versionId the new version's id (1 for a tier's first version)
    function publishVersion(
        uint8 tier,
        string calldata versionString,
        string calldata imageRef,
        bytes32 imageDigest,
        bytes32 configHash
    ) external onlyRole(PUBLISHER_ROLE) knownTier(tier) returns (uint64 versionId) {
        uint256 length = bytes(versionString).length;
        if (length == 0 || length > MAX_VERSION_STRING_LENGTH) revert InvalidVersionString();
        length = bytes(imageRef).length;
        if (length == 0 || length > MAX_IMAGE_REF_LENGTH) revert InvalidImageRef();
        if (imageDigest == bytes32(0)) revert EmptyImageDigest();
        bytes32 key = keccak256(bytes(versionString));
        if (_idByVersionString[tier][key] != 0) revert VersionAlreadyPublished(tier, versionString);

        versionId = uint64(_versions[tier].length + 1);
        uint64 publishedAt = uint64(block.timestamp);
        _versions[tier].push(Version(versionId, versionString, imageRef, imageDigest, configHash, publishedAt));
        _idByVersionString[tier][key] = versionId;
        _current[tier] = versionId;
        emit VersionPublished(
            tier, versionId, versionString, imageRef, imageDigest, configHash, publishedAt, msg.sender
        );
    }

    /// @notice Points a tier back at a version published before its current one.
    function emergencyRollback(uint8 tier, uint64 toVersionId) external onlyRole(PUBLISHER_ROLE) knownTier(tier) {
        uint64 current = _current[tier];
        if (current == 0) revert NoCurrentVersion(tier);
        if (toVersionId == 0 || toVersionId > _versions[tier].length) revert UnknownVersion(tier, toVersionId);
        if (toVersionId >= current) revert NotAnEarlierVersion(tier, toVersionId, current);
        _current[tier] = toVersionId;
        emit EmergencyRollback(tier, current, toVersionId, msg.sender);
    }

    /// @notice Sets how a tier's rollouts are staged: canary 1-50 %, each of cohorts 1-3 at least 1 % with
    ///         canary + 3 × cohort <= 100 (cohort 4 takes the rest), 1-720 hours between cohorts.
    function setRolloutConfig(uint8 tier, uint8 canaryPercentage, uint8 cohortPercentage, uint16 cohortDelayHours)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        knownTier(tier)
    {
        _setRolloutConfig(tier, RolloutConfig(canaryPercentage, cohortPercentage, cohortDelayHours), msg.sender);
    }

    function currentVersionId(uint8 tier) external view knownTier(tier) returns (uint64) {
        return _current[tier];
    }

    /// @notice The tier's current version; reverts with NoCurrentVersion before the first publish.
    function currentVersion(uint8 tier) external view knownTier(tier) returns (Version memory) {
        uint64 current = _current[tier];
        if (current == 0) revert NoCurrentVersion(tier);
        return _versions[tier][current - 1];
    }

    function getVersion(uint8 tier, uint64 versionId) external view knownTier(tier) returns (Version memory) {
        if (versionId == 0 || versionId > _versions[tier].length) revert UnknownVersion(tier, versionId);
        return _versions[tier][versionId - 1];
    }

    /// @notice The id of a published version string, 0 if the tier has no such version.
    function versionIdOf(uint8 tier, string calldata versionString) external view knownTier(tier) returns (uint64) {
        return _idByVersionString[tier][keccak256(bytes(versionString))];
    }

    /// @notice The image digest recorded for a tier's version string; zero when it was never published. Node agents
    ///         call this to check the image they are told to run.
    function imageDigestOf(uint8 tier, string calldata versionString) external view knownTier(tier) returns (bytes32) {
        uint64 id = _idByVersionString[tier][keccak256(bytes(versionString))];
        return id == 0 ? bytes32(0) : _versions[tier][id - 1].imageDigest;
    }

    function versionCount(uint8 tier) external view knownTier(tier) returns (uint64) {
        return uint64(_versions[tier].length);
    }

    function getRolloutConfig(uint8 tier) external view knownTier(tier) returns (RolloutConfig memory) {
        return _rolloutConfig[tier];
    }

    function _setRolloutConfig(uint8 tier, RolloutConfig memory config, address admin) private {
        if (
            config.canaryPercentage == 0 || config.canaryPercentage > MAX_CANARY_PERCENTAGE
                || config.cohortPercentage == 0
                || uint256(config.canaryPercentage) + 3 * uint256(config.cohortPercentage) > 100
                || config.cohortDelayHours == 0 || config.cohortDelayHours > MAX_COHORT_DELAY_HOURS
        ) {
            revert InvalidRolloutConfig(config.canaryPercentage, config.cohortPercentage, config.cohortDelayHours);
        }
        _rolloutConfig[tier] = config;
        emit RolloutConfigUpdated(
            tier, config.canaryPercentage, config.cohortPercentage, config.cohortDelayHours, admin
        );
    }
}
