//! The glibc binary is linked position-dependent (build.rs), so the dynamic
//! loader has no relocations to apply at each start; `BUILDLINT_PIE=1` at
//! build time keeps PIE.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_is_position_dependent_unless_pie_is_asked_for() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_buildlint")).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    // e_type: 2 is an executable at a fixed address, 3 a shared object (PIE).
    let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    let pie_asked = option_env!("BUILDLINT_PIE").is_some_and(|v| !v.is_empty() && v != "0");
    let expected = if pie_asked { 3 } else { 2 };
    assert_eq!(
        e_type, expected,
        "ELF type {e_type} (BUILDLINT_PIE: {pie_asked})"
    );
}
