// /dang-nhap/: sign in, then back to where the resident came from.
import { config, wireSignIn } from "./common.js";

wireSignIn(() => { location.assign(config.next); });
