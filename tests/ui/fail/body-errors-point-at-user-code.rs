//! A mistake in a traced body is reported as without `#[traced]`:
//! on the user's tokens, with the function's signature as context, never on
//! the attribute or generated code.

use trace_runtime::traced;

#[traced]
fn wrong_tail() -> u32 {
    "not a number"
}

#[traced]
fn option_in_result(value: Option<u8>) -> Result<u8, String> {
    let inner = value?;
    Ok(inner)
}

#[traced]
async fn wrong_early_return(flag: bool) -> Result<u32, String> {
    if flag {
        return Ok("no");
    }
    Ok(1)
}

fn main() {
    let _ = wrong_tail();
    let _ = option_in_result(None);
    let _ = wrong_early_return(true);
}
