//! Compiles the sofia-sip anchor of the `sip_parse` bench (`sofia/shim.c`) when the library is
//! installed (`libsofia-sip-ua-dev` on Debian). Without it the bench builds and runs without
//! that anchor and says so.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(sofia_sip)");
    println!("cargo::rerun-if-changed=sofia/shim.c");
    match pkg_config::Config::new()
        .cargo_metadata(true)
        .probe("sofia-sip-ua")
    {
        Ok(lib) => {
            let mut build = cc::Build::new();
            build.file("sofia/shim.c").warnings(true);
            for dir in &lib.include_paths {
                build.include(dir);
            }
            build.compile("yeastar_bench_sofia");
            println!("cargo::rustc-cfg=sofia_sip");
        }
        Err(e) => {
            // A cargo warning is one line; pkg-config's explanation spans several.
            let why = e
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            println!(
                "cargo::warning=sofia-sip not found, the sip_parse bench runs without its \
                 sofia-sip anchor (apt-get install libsofia-sip-ua-dev pkg-config): {why}"
            );
        }
    }
}
