package network.noderr.controlplane.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import network.noderr.controlplane.Application;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;

/** Keeps feature boundaries honest: each top-level package is a module with no cycles and no reach-ins. */
class ModularityTest {

    private static final ApplicationModules MODULES = ApplicationModules.of(Application.class);

    @Test
    void featureModulesRespectTheirBoundaries() {
        MODULES.verify();
    }

    @Test
    void theDeploymentEngineAndHealthClassificationArePlainJava() {
        var classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("network.noderr.controlplane");
        noClasses()
                .that()
                .resideInAPackage("..rollouts.engine..")
                .and()
                .doNotHaveSimpleName("package-info")
                .or()
                .haveSimpleNameStartingWith("HealthClassifier")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "jakarta.persistence..", "org.web3j..", "java.sql..",
                        "javax.sql..", "tools.jackson..", "com.fasterxml..")
                .because("the rules must be testable with a fixed clock and no framework (STYLE.md)")
                .check(classes);
    }

    @Test
    void onlyTheBeaconFeatureTalksToTheChain() {
        var classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("network.noderr.controlplane");
        noClasses()
                .that()
                .resideOutsideOfPackage("..beacon..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.web3j..")
                .because("other features reach the chain through the beacon's services and the rollouts' BeaconPort")
                .check(classes);
    }

    @Test
    void browserCallableServicesAreNotInjectedIntoOtherJavaCode() {
        var classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("network.noderr.controlplane");
        noClasses()
                .that()
                .areNotAnnotatedWith(com.vaadin.hilla.BrowserCallable.class)
                .should()
                .dependOnClassesThat()
                .areAnnotatedWith(com.vaadin.hilla.BrowserCallable.class)
                .because("a browser-callable service's access check lives outside Spring Security; "
                        + "inject the domain service under it instead")
                .check(classes);
    }
}
