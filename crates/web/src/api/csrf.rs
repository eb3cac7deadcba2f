//! Double-submit CSRF protection: the server sets a readable `tessera_csrf` cookie next to the
//! `HttpOnly` session cookie, and every unsafe request echoes its value in a header. Another
//! site can make the browser send the cookies, but cannot read them to set the header.

/// The cookie the server sets at sign-in, readable by scripts on this origin only.
pub const COOKIE: &str = "tessera_csrf";

/// The header that carries the cookie's value on unsafe requests.
pub const HEADER: &str = "X-CSRF-Token";

/// The value of cookie `name` in a `document.cookie` string (`a=1; b=2`).
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_value_is_found_among_other_cookies() {
        let cookies = "theme=dark; tessera_csrf=abc123; other=x";
        assert_eq!(cookie_value(cookies, COOKIE), Some("abc123"));
    }

    #[test]
    fn a_cookie_whose_name_only_starts_the_same_is_not_taken() {
        assert_eq!(cookie_value("tessera_csrf_old=zzz", COOKIE), None);
        assert_eq!(cookie_value("x_tessera_csrf=zzz", COOKIE), None);
    }

    #[test]
    fn an_absent_or_empty_cookie_gives_nothing() {
        assert_eq!(cookie_value("", COOKIE), None);
        assert_eq!(cookie_value("tessera_csrf=", COOKIE), None);
    }

    #[test]
    fn quotes_around_a_value_are_removed() {
        assert_eq!(cookie_value("tessera_csrf=\"q1\"", COOKIE), Some("q1"));
    }
}
