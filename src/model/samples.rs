//! Real-looking test messages shared by the model's tests (test builds only).
//!
//! Each is a byte literal as it would arrive from a server, CRLF included.
//! Changing one changes what several test files assert.

/// multipart/alternative with the HTML part first, so preferring text/plain
/// is visible; encoded subject and name; two Authentication-Results headers.
pub const ALTERNATIVE: &[u8] = concat!(
    "Return-Path: <anna@example.de>\r\n",
    "Authentication-Results: mx.owl.test; spf=pass (sender IP is 192.0.2.7)\r\n",
    " smtp.mailfrom=example.de; dkim=pass (2048-bit key) header.d=example.de\r\n",
    " header.s=mail; dmarc=pass (p=none dis=none) header.from=example.de\r\n",
    "Authentication-Results: relay.example.net;\r\n",
    "\tdkim=fail reason=\"signature verification failed\" header.d=example.de\r\n",
    "From: =?ISO-8859-1?Q?Anna_M=FCller?= <anna@example.de>\r\n",
    "To: Bob <bob@example.com>, carol@example.org\r\n",
    "Cc: \"Doe, Dave\" <dave@example.net>\r\n",
    "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n",
    "Date: Tue, 10 Nov 2026 09:15:00 +0100\r\n",
    "Message-ID: <20261110091500.123@example.de>\r\n",
    "In-Reply-To: <parent@example.com>\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: multipart/alternative; boundary=\"alt-123\"\r\n",
    "\r\n",
    "This is a multi-part message in MIME format.\r\n",
    "--alt-123\r\n",
    "Content-Type: text/html; charset=utf-8\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "\r\n",
    "<html><body><p>Hallo <b>Bob</b>,</p><p>viele Gr=C3=BC=C3=9Fe!</p></body></h=\r\n",
    "tml>\r\n",
    "--alt-123\r\n",
    "Content-Type: text/plain; charset=iso-8859-1\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "\r\n",
    "Hallo Bob,\r\n",
    "\r\n",
    "viele Gr=FC=DFe!\r\n",
    "--alt-123--\r\n",
)
.as_bytes();

/// A single-part HTML newsletter in Windows-1252, Q-encoded Latin-1 subject.
pub const HTML_ONLY: &[u8] = b"From: News <news@shop.example>\r\n\
To: bob@example.com\r\n\
Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= from the shop\r\n\
Date: Wed, 11 Nov 2026 18:00:00 +0000\r\n\
Content-Type: text/html; charset=windows-1252\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
<!DOCTYPE html><html><head><style>.x{color:red}</style><title>News</title></head>\r\n\
<body><script>track()</script><h1>Caf\xe9 news \x96 November</h1>\r\n\
<p>Read <a href=\"https://shop.example/n?id=1&amp;x=2\">our offers</a>\r\n\
or visit <a href=\"https://shop.example\">https://shop.example</a>.</p>\r\n\
<ul><li>Tea &amp; cake</li><li>&euro;5 &ndash; today</li></ul>\r\n\
<!-- tracking pixel --><img src=\"https://t.example/p.gif\" alt=\"\"></body></html>\r\n";

/// multipart/mixed: a text body, then a PDF with an RFC 2231 name, 512
/// binary bytes in base64, a hostile name, and an RFC 2047 name.
pub const MIXED: &[u8] = concat!(
    "From: carol@example.org\r\n",
    "To: bob@example.com\r\n",
    "Subject: files\r\n",
    "Date: Thu, 12 Nov 2026 08:00:00 -0500\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: multipart/mixed; boundary=\"mix\"\r\n",
    "\r\n",
    "--mix\r\n",
    "Content-Type: text/plain; charset=utf-8\r\n",
    "\r\n",
    "Here are the files.\r\n",
    "--mix\r\n",
    "Content-Type: application/pdf\r\n",
    "Content-Disposition: attachment;\r\n",
    " filename*=utf-8''Gr%C3%BC%C3%9Fe%20%E2%82%AC.pdf\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "\r\n",
    "JVBERi0xLjQgZmFrZSBwZGYK\r\n",
    "--mix\r\n",
    "Content-Type: application/octet-stream; name=\"bytes.bin\"\r\n",
    "Content-Disposition: attachment; filename=\"bytes.bin\"\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "\r\n",
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\r\n",
    "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx\r\n",
    "cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq\r\n",
    "q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj\r\n",
    "5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhsc\r\n",
    "HR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RV\r\n",
    "VldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqLjI2O\r\n",
    "j5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+v8DBwsPExcbH\r\n",
    "yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8=\r\n",
    "--mix\r\n",
    "Content-Type: text/plain\r\n",
    "Content-Disposition: attachment; filename=\"../../.bashrc\"\r\n",
    "\r\n",
    "rm -rf ~\r\n",
    "--mix\r\n",
    "Content-Type: text/plain; name=\"=?UTF-8?B?R3LDvMOfZS50eHQ=?=\"\r\n",
    "Content-Disposition: inline\r\n",
    "\r\n",
    "inline but named\r\n",
    "--mix--\r\n",
)
.as_bytes();

/// S/MIME clear-signed (multipart/signed, detached signature).
pub const SMIME_SIGNED: &[u8] = concat!(
    "From: dave@example.net\r\n",
    "Subject: signed\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n",
    " micalg=sha-256; boundary=\"sig\"\r\n",
    "\r\n",
    "--sig\r\n",
    "Content-Type: text/plain; charset=us-ascii\r\n",
    "\r\n",
    "Signed text.\r\n",
    "--sig\r\n",
    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n",
    "\r\n",
    "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAA==\r\n",
    "--sig--\r\n",
)
.as_bytes();

/// S/MIME encrypted (enveloped-data).
pub const SMIME_ENCRYPTED: &[u8] = concat!(
    "From: dave@example.net\r\n",
    "Subject: secret\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n",
    " name=\"smime.p7m\"\r\n",
    "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "\r\n",
    "MIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n",
)
.as_bytes();

/// Raw 8-bit Latin-1 in headers and body, no MIME at all.
pub const EIGHT_BIT: &[u8] = b"From: J\xfcrgen M\xfcller <jm@example.de>\r\n\
Subject: Gr\xfc\xdfe aus K\xf6ln\r\n\
Date: 12 Nov 2026 10:00:00 +0100\r\n\
\r\n\
Sch\xf6ne Gr\xfc\xdfe\r\n";

/// Broken MIME: no closing boundary, undecodable base64, a part without
/// headers, a boundary parameter that never appears in a nested part.
pub const BROKEN: &[u8] = concat!(
    "From: broken@example.com\r\n",
    "Subject: broken\r\n",
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
    "\r\n",
    "--b1\r\n",
    "Content-Type: text/plain\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "\r\n",
    "SGVsbG8g*d29y!bGQ\r\n",
    "--b1\r\n",
    "\r\n",
    "no headers here\r\n",
    "--b1\r\n",
    "Content-Type: multipart/alternative; boundary=\"never\"\r\n",
    "\r\n",
    "orphan text\r\n",
    "--b1\r\n",
    "Content-Type: image/png; name=\"cut.png\"\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "\r\n",
    "iVBORw0KGgo",
)
.as_bytes();
