package main

import "strings"

// quietLogSettings is the environment that turns the provider's and the
// plugin SDK's logs off when Terraform would throw them away, given the
// process's environment (os.Environ()). A provider's log lines reach the
// user only when Terraform runs with TF_LOG or TF_LOG_PROVIDER; otherwise
// Terraform reads and drops them. The SDK's loggers default to TRACE all
// the same and format every line they are given
// (terraform-plugin-framework issue 1269), a large part of the provider's
// CPU time on every refresh. A logger given a level of its own
// (TF_LOG_SDK_FRAMEWORK, say) keeps it.
func quietLogSettings(environ []string) map[string]string {
	set := make(map[string]bool)
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" {
			continue
		}
		if (name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_PROVIDER")) && !strings.EqualFold(value, "off") {
			return nil
		}
		set[name] = true
	}
	quiet := make(map[string]string)
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_PROVIDER"} {
		if !set[name] {
			quiet[name] = "off"
		}
	}
	return quiet
}
