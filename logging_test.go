package main

import (
	"maps"
	"testing"
)

func TestQuietLogSettings(t *testing.T) {
	off := map[string]string{"TF_LOG_SDK": "off", "TF_LOG_PROVIDER": "off"}
	cases := []struct {
		name    string
		environ []string
		want    map[string]string
	}{
		{"nothing asks for logs", []string{"HOME=/root", "TF_IN_AUTOMATION=1"}, off},
		{"TF_LOG empty", []string{"TF_LOG="}, off},
		{"TF_LOG off", []string{"TF_LOG=off"}, off},
		{"TF_LOG_PATH alone collects nothing", []string{"TF_LOG_PATH=/tmp/tf.log"}, off},
		{"TF_LOG_CORE is Terraform's own", []string{"TF_LOG_CORE=trace"}, off},
		{"TF_LOG", []string{"TF_LOG=debug"}, nil},
		{"TF_LOG lower case", []string{"TF_LOG=trace"}, nil},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=INFO"}, nil},
		{"a provider's own level", []string{"TF_LOG_PROVIDER_SENTRY=debug"}, nil},
		{"an SDK level of its own is kept", []string{"TF_LOG_SDK=warn"}, map[string]string{"TF_LOG_PROVIDER": "off"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := quietLogSettings(c.environ); !maps.Equal(got, c.want) {
				t.Fatalf("quietLogSettings(%q) = %v, want %v", c.environ, got, c.want)
			}
		})
	}
}
