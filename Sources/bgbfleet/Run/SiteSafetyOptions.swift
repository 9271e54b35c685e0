import ArgumentParser

/// `bgbfleet run` options for a real site: the dry run and the site-wide trigger guard.
struct SiteSafetyOptions: ParsableArguments {
    @Flag(help: "Resolve everything (profile, identities and each shard's slice, source addresses, file limit, triggers with their collection and resolved targets, thresholds), print the plan and exit: no connection to the MP, no trigger sent. The fleet's ResourceIDs come from the pool's cache, or from the AdminService (read-only queries) when the cache lacks them.")
    var dryRun = false

    @Flag(help: "With --mp: allow a trigger with `targets: collection` on a built-in collection (SMS00001 All Systems and the other SMS… collections), which reaches every client of the site in it. Only for a site that holds nothing but simulated clients.")
    var allowSiteWideTriggers = false
}
